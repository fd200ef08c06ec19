/** Shared helpers for the images tests: a temp folder per test file and tiny synthetic images. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import sharp from 'sharp';
import { NeurolensError } from '../../src/errors.js';
import type { Preprocessing } from '../../src/images/index.js';

/**
 * A fresh temp folder, removed after the current test (inside `it`) or after the whole file (at
 * module level). Not from a `before` hook: there it would be removed as soon as the hook ends.
 */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'neurolens-images-'));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Raw interleaved pixels: `pixel(x, y)` returns one value per channel. */
export function rawPixels(width: number, height: number, channels: number, pixel: (x: number, y: number) => readonly number[]): Buffer {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const values = pixel(x, y);
      for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = values[c] ?? 0;
    }
  }
  return data;
}

/** A sharp pipeline over raw pixels, ready for an encoder (`.png()`, `.jpeg()`…). */
export function fromPixels(width: number, height: number, channels: 1 | 2 | 3 | 4, pixel: (x: number, y: number) => readonly number[]) {
  return sharp(rawPixels(width, height, channels, pixel), { raw: { width, height, channels } });
}

/** Writes `bytes` to `dir/name` and returns the path. */
export async function put(dir: string, name: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

/** A recipe with identity normalisation (value = v/255), so tests read pixel values back. */
export function identityPrep(height: number, width: number, extra: Partial<Preprocessing> = {}): Preprocessing {
  const channels = extra.channels ?? 3;
  return {
    height,
    width,
    channels,
    layout: 'NHWC',
    resize: 'stretch',
    cropFraction: 1,
    interpolation: 'nearest',
    mean: Array.from({ length: channels }, () => 0),
    std: Array.from({ length: channels }, () => 1),
    background: [255, 255, 255],
    maxPixels: 100_000_000,
    ...extra,
  };
}

/** Pixel (x, y) of an identity-normalised NHWC tensor, back in 0..255 (rounded). */
export function pixelAt(data: Float32Array, prep: Preprocessing, x: number, y: number): number[] {
  const base = (y * prep.width + x) * prep.channels;
  return Array.from(data.subarray(base, base + prep.channels), (v) => Math.round(v * 255));
}

/** Asserts two colours agree within `tolerance` per channel. */
export function assertColour(actual: readonly number[], expected: readonly number[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: channel count`);
  actual.forEach((v, c) => {
    assert.ok(Math.abs(v - (expected[c] as number)) <= tolerance, `${what}: got [${actual}], expected [${expected}] ±${tolerance}`);
  });
}

/** Asserts `promise` rejects with a one-line NeurolensError of `kind` whose message matches every pattern. */
export async function assertFailsWith(promise: Promise<unknown>, kind: string, ...patterns: RegExp[]): Promise<NeurolensError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof NeurolensError, `expected a NeurolensError, got ${String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  assert.ok(!caught.message.includes('\n'), `message must be one line: ${JSON.stringify(caught.message)}`);
  for (const pattern of patterns) assert.match(caught.message, pattern);
  return caught;
}

/** Same as `assertFailsWith` for synchronous code. */
export function assertThrowsWith(fn: () => unknown, kind: string, ...patterns: RegExp[]): NeurolensError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof NeurolensError, `expected a NeurolensError, got ${String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  assert.ok(!caught.message.includes('\n'), `message must be one line: ${JSON.stringify(caught.message)}`);
  for (const pattern of patterns) assert.match(caught.message, pattern);
  return caught;
}
