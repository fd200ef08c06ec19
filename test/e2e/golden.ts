// Named screenshot goldens: a page's screenshot must match `test/e2e/goldens/<name>.png` within a
// tolerance (anti-aliasing and font hinting move a few pixels between runs; a changed layout or a
// missing chart moves thousands). `UPDATE_SNAPSHOTS=1` rewrites them; a missing golden is written,
// and fails under CI so that it gets committed. A failing comparison saves the actual screenshot
// and a difference mask next to each other in a temp folder it names.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

export const GOLDENS = join(import.meta.dirname, 'goldens');

export interface GoldenTolerance {
  /** A pixel differs when any channel differs by more than this (0–255). Default 40. */
  channel?: number;
  /** Share of differing pixels allowed. Default 0.01 (1 %). */
  share?: number;
}

async function rgba(png: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

export async function matchGolden(name: string, png: Buffer, tolerance: GoldenTolerance = {}): Promise<{ share: number }> {
  const path = join(GOLDENS, `${name}.png`);
  if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(path)) {
    mkdirSync(GOLDENS, { recursive: true });
    writeFileSync(path, png);
    if (process.env.CI) assert.fail(`screenshot golden ${name}.png was missing; it has been written — commit it`);
    return { share: 0 };
  }
  const [actual, expected] = await Promise.all([rgba(png), rgba(readFileSync(path))]);
  const channel = tolerance.channel ?? 40;
  const allowed = tolerance.share ?? 0.01;
  let differing = 0;
  let share = 1;
  const mask = Buffer.alloc(actual.width * actual.height, 0);
  if (actual.width === expected.width && actual.height === expected.height) {
    for (let p = 0; p < actual.width * actual.height; p++) {
      const o = p * 4;
      const d = Math.max(
        Math.abs(actual.data[o]! - expected.data[o]!),
        Math.abs(actual.data[o + 1]! - expected.data[o + 1]!),
        Math.abs(actual.data[o + 2]! - expected.data[o + 2]!),
      );
      if (d > channel) {
        differing++;
        mask[p] = 255;
      }
    }
    share = differing / (actual.width * actual.height);
  }
  if (share > allowed) {
    const dir = mkdtempSync(join(tmpdir(), 'neurolens-golden-'));
    writeFileSync(join(dir, `${name}.actual.png`), png);
    if (actual.width === expected.width && actual.height === expected.height) {
      await sharp(mask, { raw: { width: actual.width, height: actual.height, channels: 1 } }).png().toFile(join(dir, `${name}.diff.png`));
    }
    const size = actual.width === expected.width && actual.height === expected.height ? '' : ` (size ${actual.width}×${actual.height}, golden ${expected.width}×${expected.height})`;
    assert.fail(`screenshot ${name} differs from its golden in ${(100 * share).toFixed(2)} % of pixels${size} (allowed ${(100 * allowed).toFixed(2)} %); actual and difference in ${dir} (UPDATE_SNAPSHOTS=1 to accept)`);
  }
  return { share };
}
