// Network dissection on a synthetic case: a 1×1 conv copies the red channel (channel 0) and the green
// channel (channel 1); the red channel holds exactly the "blob" concept's mask, the green one noise.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import sharp from 'sharp';
import { runNeurons, type DissectionFile } from '../../src/neurons/index.js';
import { loadMask, readMaskDataset } from '../../src/neurons/masks.js';
import { GraphBuilder, floatAttr } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { record } from '../../src/record/recorder.js';
import { Random } from '../../src/util/random.js';

const S = 32;
let dir: string;
let run: string;
let masks: string;

function copyModel() {
  const g = new GraphBuilder({ name: 'copy-rg' });
  const input = g.input('input', ['batch', 3, S, S]);
  const weight = g.initializer('features.0.weight', Float32Array.from([1, 0, 0, 0, 1, 0]), [2, 3, 1, 1]);
  const conv = g.node('Conv', [input, weight], { kernel_shape: [1, 1] }, { name: '/features/features.0/Conv' });
  const relu = g.node('Relu', [conv], {}, { name: '/features/features.1/Relu' });
  const pooled = g.node('GlobalAveragePool', [relu], {}, { name: '/avgpool/GlobalAveragePool' });
  const flat = g.node('Flatten', [pooled], { axis: 1 }, { name: '/Flatten' });
  const fc = g.initializer('fc.weight', Float32Array.from([1, 0, 0, 1]), [2, 2]);
  const logits = g.node('Gemm', [flat, fc], { alpha: floatAttr(1), beta: floatAttr(1), transB: 1 }, { name: '/fc/Gemm', outputs: ['logits'] });
  g.output(logits, ['batch', 2]);
  return g.build();
}

/** Image i: red = a rectangle (the blob), green = seeded noise; its mask files. */
async function makeImage(i: number, rng: Random, folder: string) {
  const x0 = 2 + (i * 5) % 18;
  const y0 = 3 + (i * 7) % 17;
  const w = 6 + (i % 5);
  const h = 5 + (i % 4);
  const rgb = Buffer.alloc(S * S * 3);
  const mask = Buffer.alloc(S * S);
  const left = Buffer.alloc(S * S);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const p = y * S + x;
      const inside = x >= x0 && x < x0 + w && y >= y0 && y < y0 + h;
      rgb[p * 3] = inside ? 255 : 0;
      rgb[p * 3 + 1] = Math.floor(rng.next() * 256);
      mask[p] = inside ? 255 : 0;
      left[p] = x < S / 2 ? 200 : 20;
    }
  }
  await sharp(rgb, { raw: { width: S, height: S, channels: 3 } }).png().toFile(join(folder, 'images', `${i}.png`));
  await sharp(mask, { raw: { width: S, height: S, channels: 1 } }).png().toFile(join(folder, 'masks', `${i}-blob.png`));
  await sharp(left, { raw: { width: S, height: S, channels: 1 } }).png().toFile(join(folder, 'masks', `${i}-left.png`));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'neurolens-dissect-'));
  for (const sub of ['images', 'masks']) mkdirSync(join(dir, 'data', sub), { recursive: true });
  const rng = new Random(5);
  const lines: string[] = [];
  for (let i = 0; i < 12; i++) {
    await makeImage(i, rng, join(dir, 'data'));
    // "left" is annotated on the first half of the images only.
    const m: Record<string, string> = { blob: `masks/${i}-blob.png` };
    if (i < 6) m.left = `masks/${i}-left.png`;
    lines.push(JSON.stringify({ image: `images/${i}.png`, masks: m }));
  }
  masks = join(dir, 'data', 'dissect.jsonl');
  writeFileSync(masks, `${lines.join('\n')}\n`);
  const model = join(dir, 'copy.onnx');
  writeFileSync(model, encodeModel(copyModel()));
  run = join(dir, 'run');
  await record({ model, images: join(dir, 'data', 'images'), out: run, layers: 'all', threads: 1, preprocessing: { resize: 'stretch' } });
});

test('dissection: the channel that copies the mask gets its label with IoU 1, the noise channel none', async () => {
  const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as { layers: { id: string; kind: string; spatial?: number[] }[] };
  const relu = manifest.layers.find((l) => l.id.includes('features.1'))!;
  assert.deepEqual(relu.spatial, [S, S]);
  const result = await runNeurons({ run, layers: [relu.id, 'avgpool'], top: 0, masks, threads: 1, batch: 5 });
  assert.ok(result.files.includes('neurons/dissection.json'));
  const file = JSON.parse(readFileSync(join(run, 'neurons', 'dissection.json'), 'utf8')) as DissectionFile;
  assert.deepEqual(file.concepts, [{ name: 'blob', images: 12 }, { name: 'left', images: 6 }]);
  assert.deepEqual(file.skippedLayers, ['avgpool']);
  const [copy, noise] = file.layers[0]!.neurons;
  assert.equal(copy!.label, 'blob');
  assert.ok(Math.abs(copy!.iou - 1) < 1e-12, `IoU ${copy!.iou}`);
  assert.equal(copy!.runnerUp!.concept, 'left');
  // (255/255 − 0.485) / 0.229: the red channel's value inside the blob.
  assert.ok(Math.abs(copy!.threshold - (1 - 0.485) / 0.229) < 1e-5);
  assert.equal(noise!.label, null);
  assert.ok(noise!.iou < 0.04, `noise IoU ${noise!.iou}`);
});

test('dissection: deterministic, and images without a mask for a concept are left out of its IoU', async () => {
  const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as { layers: { id: string }[] };
  const relu = manifest.layers.find((l) => l.id.includes('features.1'))!.id;
  await runNeurons({ run, layers: [relu], top: 0, masks, threads: 1, batch: 4 });
  const first = readFileSync(join(run, 'neurons', 'dissection.json'), 'utf8');
  await runNeurons({ run, layers: [relu], top: 0, masks, threads: 1, batch: 7 });
  assert.equal(readFileSync(join(run, 'neurons', 'dissection.json'), 'utf8'), first, 'batch size does not change the result');
  // Hand count of IoU(copy channel, left) over images 0–5 only: blob ∩ left half / blob ∪ left half.
  let inter = 0;
  let union = 0;
  for (let i = 0; i < 6; i++) {
    const { data: blob, info } = await sharp(join(dir, 'data', 'masks', `${i}-blob.png`)).raw().toBuffer({ resolveWithObject: true });
    for (let p = 0; p < S * S; p++) {
      const inBlob = blob[p * info.channels]! > 127;
      const inLeft = p % S < S / 2;
      if (inBlob && inLeft) inter++;
      if (inBlob || inLeft) union++;
    }
  }
  const file = JSON.parse(first) as DissectionFile;
  assert.ok(Math.abs(file.layers[0]!.neurons[0]!.runnerUp!.iou - inter / union) < 1e-12, `${JSON.stringify(file.layers[0]!.neurons[0])} vs ${inter / union}`);
});

test('masks: geometry follows the image (resize + centre crop, nearest) and bad files are one-line errors', async () => {
  const prep = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')).preprocessing;
  // A 40×20 mask with its left half set, on a 40×20 image under shorter-crop 16×16 (fraction 1):
  // resized to 32×16, centre-cropped at x = 8 → columns 0–7 set.
  const path = join(dir, 'wide.png');
  const raw = Buffer.alloc(40 * 20);
  for (let p = 0; p < raw.length; p++) raw[p] = p % 40 < 20 ? 255 : 0;
  await sharp(raw, { raw: { width: 40, height: 20, channels: 1 } }).png().toFile(path);
  const mask = await loadMask(path, 40, 20, { ...prep, width: 16, height: 16, resize: 'shorter-crop', cropFraction: 1 });
  assert.equal(mask.length, 256);
  for (let p = 0; p < 256; p++) assert.equal(mask[p], p % 16 < 8 ? 1 : 0, `pixel ${p}`);

  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"image": "a.png", "masks": {"x": "m.png"}}\n{oops\n');
  await assert.rejects(readMaskDataset(bad), (e: Error) => /bad\.jsonl:2 is not valid JSON/.test(e.message) && !e.message.includes('\n'));
  writeFileSync(bad, '{"image": "a.png", "masks": ["m.png"]}\n');
  await assert.rejects(readMaskDataset(bad), /bad\.jsonl:1 needs a string "image" and an object "masks"/);
  await assert.rejects(readMaskDataset(join(dir, 'nope.jsonl')), /masks file .*nope\.jsonl does not exist/);
  writeFileSync(bad, '{"image": "missing.png", "masks": {"x": "m.png"}}\n');
  await assert.rejects(runNeurons({ run, top: 0, masks: bad, threads: 1 }), /bad\.jsonl:1: .*missing\.png/);
});
