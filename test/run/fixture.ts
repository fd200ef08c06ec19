/** One small recorded run for the run-reader tests, built once and copied per case. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { record } from '../../src/record/recorder.js';
import { writeNpy, readNpy } from '../../src/store/npy.js';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { makeWorkspace } from '../record/helpers.js';

export interface RunFixture {
  /** The pristine run (never modified by a test). */
  run: string;
  dir: string;
  model: string;
  images: string;
}

/** Records 12 generated images through the tiny ResNet: three layers, all three poolings. */
export async function buildRunFixture(): Promise<RunFixture> {
  const ws = await makeWorkspace(tinyResNet(), 12, { broken: false });
  const run = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out: run, layers: ['layer1.0', 'layer2.0', 'avgpool'], threads: 1 });
  return { run, dir: ws.dir, model: ws.model, images: ws.images };
}

let copies = 0;
/** A fresh copy of `run` to damage. */
export function copyRun(run: string): string {
  const dest = join(mkdtempSync(join(tmpdir(), 'neurolens-run-case-')), `run${copies++}`);
  cpSync(run, dest, { recursive: true });
  return dest;
}

export function readManifestJson(run: string): Record<string, any> {
  return JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8'));
}

export function writeManifestJson(run: string, manifest: unknown): void {
  writeFileSync(join(run, 'manifest.json'), JSON.stringify(manifest, null, 2));
}

/** Puts a NaN (and a +Inf) into a float32 matrix, keeping it a valid .npy file. */
export async function poison(path: string): Promise<void> {
  const npy = await readNpy(path);
  const data = npy.data as Float32Array;
  data[0] = Number.NaN;
  data[data.length - 1] = Number.POSITIVE_INFINITY;
  await writeNpy(path, data, npy.shape);
}

/** Cuts a file to half its length. */
export function truncate(path: string): void {
  const bytes = readFileSync(path);
  writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
}
