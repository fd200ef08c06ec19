/**
 * A mask dataset for the demo's dissection (`neurolens neurons --masks`), made from the emoji
 * pixels themselves so it needs nothing from the network: per image, one binary mask per colour
 * concept that covers at least {@link MIN_SHARE} of the emoji's opaque pixels. Colour names are
 * rules on HSV (h in degrees, s and v in [0, 1]) of each opaque pixel (alpha ≥ 128):
 *   black: v < 0.2 · white: s < 0.15 and v ≥ 0.85 · grey: s < 0.15 · otherwise by hue:
 *   red h < 15 or h ≥ 345 · orange 15–45 · yellow 45–70 · green 70–170 · blue 170–260 · purple 260–345.
 * Transparent pixels (the emoji's background) belong to no concept. Masks are written at the
 * image's own size, as `masks/<image path without .png>/<colour>.png` next to `masks.jsonl`.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../store/atomic.js';

export const COLOURS = ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'black', 'white', 'grey'] as const;
export type Colour = (typeof COLOURS)[number];
/** Smallest share of an image's opaque pixels that earns it a mask for a colour. */
export const MIN_SHARE = 0.02;

/** The colour concept of one RGB pixel (0–255 each). */
export function colourOf(r: number, g: number, b: number): Colour {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const v = max / 255;
  const s = max === 0 ? 0 : (max - min) / max;
  if (v < 0.2) return 'black';
  if (s < 0.15) return v >= 0.85 ? 'white' : 'grey';
  const d = max - min;
  let h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  h *= 60;
  if (h < 0) h += 360;
  if (h < 15 || h >= 345) return 'red';
  if (h < 45) return 'orange';
  if (h < 70) return 'yellow';
  if (h < 170) return 'green';
  if (h < 260) return 'blue';
  return 'purple';
}

/**
 * Writes the masks of `images` (paths relative to `imagesDir`) under `dir` and returns the JSONL
 * file. Images without any colour covering MIN_SHARE are left out.
 */
export async function writeColourMasks(imagesDir: string, images: readonly string[], dir: string): Promise<string> {
  const lines: string[] = [];
  for (const rel of images) {
    const { data, info } = await sharp(join(imagesDir, rel)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const pixels = info.width * info.height;
    const labels = new Int8Array(pixels).fill(-1);
    const counts = new Array<number>(COLOURS.length).fill(0);
    let opaque = 0;
    for (let p = 0; p < pixels; p++) {
      if (data[p * 4 + 3]! < 128) continue;
      const c = COLOURS.indexOf(colourOf(data[p * 4]!, data[p * 4 + 1]!, data[p * 4 + 2]!));
      labels[p] = c;
      counts[c]!++;
      opaque++;
    }
    const masks: Record<string, string> = {};
    for (let c = 0; c < COLOURS.length; c++) {
      if (opaque === 0 || counts[c]! / opaque < MIN_SHARE) continue;
      const mask = Buffer.alloc(pixels);
      for (let p = 0; p < pixels; p++) if (labels[p] === c) mask[p] = 255;
      const file = join('masks', rel.replace(/\.png$/i, ''), `${COLOURS[c]}.png`);
      await mkdir(dirname(join(dir, file)), { recursive: true });
      await writeFileAtomic(join(dir, file), await sharp(mask, { raw: { width: info.width, height: info.height, channels: 1 } }).png().toBuffer());
      masks[COLOURS[c]!] = file;
    }
    if (Object.keys(masks).length > 0) lines.push(JSON.stringify({ image: join('..', 'images', rel), masks }));
  }
  const jsonl = join(dir, 'masks.jsonl');
  await writeFileAtomic(jsonl, lines.join('\n') + '\n');
  return jsonl;
}
