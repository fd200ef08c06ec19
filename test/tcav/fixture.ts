/**
 * A recorded run of the region model (test/fixtures/region-model.ts: logit 'bright' = mean of the
 * bright-pixel channel, logit 'dark' = mean of the dark-pixel channel) on 40 images of pure black
 * and pure white pixels (seeded positions), whose counts k of white pixels (out of 256) are chosen
 * so that the answer is known by construction. The layer's pooled activations are then exactly
 * 1.5·k/256 and 0.25·(256 − k)/256, and the multiset of k is symmetric about 128:
 * - `bright`: the 10 images with k = 150…240 — every CAV points towards more white pixels, which
 *   raises the 'bright' logit on every image: TCAV score 1, significant;
 * - `random`: 5 pairs of images at 128 ± d — mirror-symmetric like the whole run, so whether a
 *   CAV against a random counter-example set points to more or fewer white pixels is a coin flip,
 *   exactly as for the random-set-vs-random-set CAVs: not significant;
 * - `rare`: 3 images (too few for TCAV).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodeModel } from '../../src/onnx/codec.js';
import { record } from '../../src/record/recorder.js';
import { Random } from '../../src/util/random.js';
import { REGION, regionModel } from '../fixtures/region-model.js';

export const IMAGES = 40;

export interface TcavWorkspace {
  dir: string;
  run: string;
  labels: string;
  model: string;
}

/** White-pixel counts: bright 150…240, their mirrors 16…106, and 10 pairs 128 ± (3, 8, …, 48). */
export const WHITE = [
  ...Array.from({ length: 10 }, (_, i) => 150 + 10 * i),
  ...Array.from({ length: 10 }, (_, i) => 106 - 10 * i),
  ...Array.from({ length: 10 }, (_, i) => [128 - 3 - 5 * i, 128 + 3 + 5 * i]).flat(),
];
const RANDOM = [3, 13, 23, 33, 43].flatMap((d) => [128 - d, 128 + d]);

const name = (i: number) => `img${String(i).padStart(2, '0')}.png`;

export async function tcavWorkspace(): Promise<TcavWorkspace> {
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-tcav-'));
  const model = join(dir, 'region.onnx');
  writeFileSync(model, encodeModel(regionModel()));
  writeFileSync(join(dir, 'region.json'), JSON.stringify({ inputSize: REGION.size, mean: [0, 0, 0], std: [1, 1, 1], resize: 'stretch', classNames: REGION.classes }));
  const images = join(dir, 'images');
  mkdirSync(images);
  const rng = new Random(5);
  const pixels = REGION.size * REGION.size;
  for (const [i, k] of WHITE.entries()) {
    const white = new Set(rng.shuffle(Array.from({ length: pixels }, (_, p) => p)).slice(0, k));
    const raw = Buffer.alloc(pixels * 3);
    for (const p of white) raw.fill(255, p * 3, p * 3 + 3);
    await sharp(raw, { raw: { width: REGION.size, height: REGION.size, channels: 3 } }).png().toFile(join(images, name(i)));
  }
  const rows = ['path,concept'];
  for (let i = 0; i < 10; i++) rows.push(`${name(i)},bright`);
  for (const k of RANDOM) rows.push(`${name(WHITE.indexOf(k))},random`);
  for (const i of [11, 12, 13]) rows.push(`${name(i)},rare`);
  const labels = join(dir, 'labels.csv');
  writeFileSync(labels, `${rows.join('\n')}\n`);
  const run = join(dir, 'run');
  await record({ model, images, out: run, layers: 'all', poolings: ['mean'], topK: 8, threads: 1 });
  return { dir, run, labels, model };
}
