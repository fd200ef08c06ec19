/** Reading a finished RUN back: its manifest and images table (later analyses start here). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import type { RunManifest } from './types.js';

export interface RunImageRow {
  index: number;
  path: string;
  sha256: string;
  width: number;
  height: number;
  top5_classes: number[];
  top5_scores: number[];
  top1_label?: string;
}

export async function readRunManifest(runDir: string): Promise<RunManifest> {
  return JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')) as RunManifest;
}

export async function readRunImages(runDir: string): Promise<RunImageRow[]> {
  const bytes = await readFile(join(runDir, 'images.parquet'));
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return (await parquetReadObjects({ file })) as unknown as RunImageRow[];
}
