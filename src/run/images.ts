/** The images table of a RUN (images.parquet), with its numbers as plain JS numbers. */
import { readFile } from 'node:fs/promises';
import { parquetReadObjects } from 'hyparquet';
import type { RunImageRow } from '../record/read-run.js';

const toNumbers = (values: unknown): number[] => Array.from((values ?? []) as ArrayLike<unknown>, Number);

/** Reads every row of `path`, sorted by run index (throws whatever the file or parquet reader throws). */
export async function readImagesTable(path: string): Promise<RunImageRow[]> {
  const bytes = await readFile(path);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const rows = (await parquetReadObjects({ file })) as Record<string, unknown>[];
  return rows
    .map((r) => ({
      ...(r as unknown as RunImageRow),
      index: Number(r.index),
      width: Number(r.width),
      height: Number(r.height),
      top5_classes: toNumbers(r.top5_classes),
      top5_scores: toNumbers(r.top5_scores),
    }))
    .sort((a, b) => a.index - b.index);
}
