/**
 * Benchmark of `record` end to end (JPEG decoding included): a ResNet-18-shaped model at 224×224
 * with seeded random weights, 256 generated JPEGs, the 8 residual-block outputs tapped with `mean`.
 * Also times a bare onnxruntime session on the same graph and taps (no decoding, main thread) as
 * the ceiling. Prints measured figures; nothing is asserted.
 *
 *   npm run bench:record                    # default grid of batch sizes, threads = cores
 *   npm run bench:record -- --batch 16 --threads 2
 */
import { mkdirSync, existsSync, writeFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { encodeModel } from '../src/onnx/codec.js';
import { catalogueModel } from '../src/onnx/catalogue/index.js';
import { record } from '../src/record/recorder.js';
import { Random } from '../src/util/random.js';
import { resnet18 } from '../test/fixtures/tiny-models.js';

const WORK = join(process.cwd(), '.bench', 'record');
const IMAGES = 256;

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : undefined;
}

/** Photo-like JPEGs: smooth colour fields plus noise, 320–480 × 240–400 pixels, quality 90. */
async function makeImages(dir: string): Promise<void> {
  if (existsSync(join(dir, `img${IMAGES - 1}.jpg`))) return;
  mkdirSync(dir, { recursive: true });
  const rng = new Random(2024);
  for (let i = 0; i < IMAGES; i++) {
    const width = 320 + rng.int(161);
    const height = 240 + rng.int(161);
    const raw = Buffer.alloc(width * height * 3);
    const [a, b, c] = [rng.next() * 6, rng.next() * 6, rng.next() * 6];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = (y * width + x) * 3;
        raw[o] = 128 + 100 * Math.sin(a + x / 37) + rng.int(30);
        raw[o + 1] = 128 + 100 * Math.sin(b + y / 23) + rng.int(30);
        raw[o + 2] = 128 + 100 * Math.sin(c + (x + y) / 51) + rng.int(30);
      }
    }
    await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toFile(join(dir, `img${i}.jpg`));
  }
}

async function bareSession(modelBytes: Uint8Array, taps: string[], batch: number, threads: number): Promise<number> {
  const { decodeModel } = await import('../src/onnx/codec.js');
  const model = decodeModel(modelBytes);
  for (const name of taps) model.graph!.output!.push({ name });
  const session = await ort.InferenceSession.create(encodeModel(model), { intraOpNumThreads: threads, interOpNumThreads: 1, logSeverityLevel: 3 });
  const input = new ort.Tensor('float32', new Random(1).normalArray(batch * 3 * 224 * 224), [batch, 3, 224, 224]);
  await session.run({ input });
  const runs = Math.ceil(IMAGES / batch);
  const start = performance.now();
  for (let r = 0; r < runs; r++) await session.run({ input });
  const seconds = (performance.now() - start) / 1000;
  await session.release();
  return (runs * batch) / seconds;
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const modelPath = join(WORK, 'resnet18.onnx');
  const model = resnet18();
  const bytes = encodeModel(model);
  writeFileSync(modelPath, bytes);
  const imagesDir = join(WORK, 'images');
  await makeImages(imagesDir);
  const summary = await catalogueModel(model, {});
  const layers = summary.layers.filter((l) => l.isDefault);
  const cores = availableParallelism();
  const threadList = flag('threads') ? [flag('threads')!] : [cores];
  const batchList = flag('batch') ? [flag('batch')!] : [8, 16, 32];

  console.log(`machine: ${cores} cores (${cpus()[0]?.model ?? 'unknown CPU'}), node ${process.version}, onnxruntime-node ${ort.env.versions.common}`);
  console.log(`model: ResNet-18 shape, 224×224, ${(bytes.length / 1e6).toFixed(1)} MB; taps: ${layers.map((l) => l.id).join(', ')}`);
  console.log(`images: ${IMAGES} JPEGs, 320–480 × 240–400 px, resized (shorter side 256) and centre-cropped to 224`);
  console.log('');
  console.log('threads  batch  bare session img/s  record img/s (decode+infer+pool+write)  record/bare');
  for (const threads of threadList) {
    for (const batch of batchList) {
      const bare = await bareSession(bytes, layers.map((l) => l.tensor), batch, threads);
      const out = join(WORK, `run-t${threads}-b${batch}`);
      rmSync(out, { recursive: true, force: true });
      const start = performance.now();
      const result = await record({ model: modelPath, images: imagesDir, out, layers: layers.map((l) => l.id), poolings: ['mean'], batch, threads });
      const seconds = (performance.now() - start) / 1000;
      const rate = result.images / seconds;
      console.log(`${String(threads).padStart(7)}  ${String(batch).padStart(5)}  ${bare.toFixed(1).padStart(18)}  ${rate.toFixed(1).padStart(38)}  ${(rate / bare).toFixed(2).padStart(11)}`);
      rmSync(out, { recursive: true, force: true });
    }
  }
  console.log('');
  console.log('record img/s counts wall time of the whole call: model load, catalogue, decoding, inference, pooling, writing and finalising.');
}

await main();
