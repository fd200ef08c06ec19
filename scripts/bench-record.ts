/**
 * Benchmark of `record` end to end (JPEG decoding included): a ResNet-18-shaped model at 224×224
 * with seeded random weights, 256 generated JPEGs, the 8 residual-block outputs recorded with
 * `mean`. For each batch size it prints, in images/s:
 *  - a bare onnxruntime session on the same graph (no decoding, main thread), fetching the whole
 *    block outputs, and one pooling them inside the graph as record does (the ceiling);
 *  - `record()` called in this process (model loading, decoding, inference, writing, finalising);
 *  - the whole command, `node bin/neurolens.js record …` in a fresh process (start-up included;
 *    needs `npm run build`), the median of three runs;
 * then `neurolens --version`'s wall time and, when Debian's python3-torch is installed, PyTorch
 * eager with forward hooks on the same shapes (scripts/bench-record-torch.py, random tensors);
 * last (CPU only) where this machine's limit is: the CPU an image's inference and decoding take
 * alone, and the images/s that gives with every core busy.
 * Prints measured figures; nothing is asserted.
 *
 *   npm run bench:record                    # default grid of batch sizes, threads = cores
 *   npm run bench:record -- --batch 16 --threads 2
 *   npm run bench:record -- --device cuda   # every session on CUDA (needs onnxruntime-node's CUDA build)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, existsSync, writeFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel } from '../src/onnx/codec.js';
import { instrumentModel } from '../src/onnx/instrument.js';
import { catalogueModel } from '../src/onnx/catalogue/index.js';
import { record } from '../src/record/recorder.js';
import { planRun } from '../src/record/plan.js';
import { decodeImage, tuneDecoding } from '../src/images/index.js';
import { Random } from '../src/util/random.js';
import { resnet18 } from '../test/fixtures/tiny-models.js';
import { deviceFlag } from './device-flag.js';

const ROOT = process.cwd();
const WORK = join(ROOT, '.bench', 'record');
const IMAGES = 256;
const DEVICE = deviceFlag();

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

/** What a bare session's graph returns: the whole block outputs, them pooled in the graph, or the model output only. */
type BareGraph = 'whole' | 'pooled' | 'model';

/**
 * A bare session on random input: images/s, and the CPU it used per image (core-ms, every thread of
 * the process: onnxruntime's pool included) — the cost of inference alone.
 */
async function bareSession(modelBytes: Uint8Array, taps: string[], batch: number, threads: number, graph: BareGraph): Promise<{ rate: number; coreMs: number }> {
  const model = decodeModel(modelBytes);
  const reductions = taps.map((tensor) => ({ tensor, reduction: 'mean' as const, axes: [2, 3] }));
  const instrumented = graph === 'model' ? { model } : instrumentModel(model, graph === 'pooled' ? { reductions } : { taps });
  const session = await ort.InferenceSession.create(encodeModel(instrumented.model), { intraOpNumThreads: threads, interOpNumThreads: 1, logSeverityLevel: 3, executionProviders: [DEVICE] });
  const input = new ort.Tensor('float32', new Random(1).normalArray(batch * 3 * 224 * 224), [batch, 3, 224, 224]);
  await session.run({ input });
  const runs = Math.ceil(IMAGES / batch);
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let r = 0; r < runs; r++) await session.run({ input });
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  await session.release();
  return { rate: (runs * batch) / seconds, coreMs: (used.user + used.system) / 1000 / (runs * batch) };
}

/**
 * Decoding alone, as record decodes (same preprocessing, same number of images in flight, sharp
 * tuned the same way): core-ms per image over every thread of the process.
 */
async function decodeOnly(modelPath: string, imagesDir: string): Promise<number> {
  const plan = await planRun({ model: modelPath, images: imagesDir, out: join(WORK, 'decode-plan') });
  const { decodeConcurrency } = tuneDecoding();
  let next = 0;
  const cpu = process.cpuUsage();
  const worker = async () => {
    while (next < plan.entries.length) await decodeImage(plan.entries[next++]!.path, plan.prep);
  };
  await Promise.all(Array.from({ length: decodeConcurrency }, worker));
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / plan.entries.length;
}

/**
 * Where this machine's limit is for the whole command: with every core busy all the time, an image
 * costs its inference (taps pooled in the graph, as record runs it) plus its decoding, so
 * cores × 1000 / (inference + decoding core-ms) images/s is what no version of `record` can beat
 * once it has started. Without the taps, the model alone gives the bound for any tool that decodes.
 */
async function printLimit(modelPath: string, imagesDir: string, bytes: Uint8Array, taps: string[], batch: number, threads: number, pooled: { coreMs: number }, whole: number | undefined, torch: number): Promise<void> {
  const cores = Math.min(threads, availableParallelism());
  const bare = await bareSession(bytes, taps, batch, threads, 'model');
  const decode = await decodeOnly(modelPath, imagesDir);
  const limit = (inference: number) => (cores * 1000) / (inference + decode);
  const f = (x: number) => x.toFixed(1);
  console.log(`where the limit is (threads ${threads}, batch ${batch}), CPU per image: inference ${f(pooled.coreMs)} core-ms with the taps pooled in the graph (${f(bare.coreMs)} for the model alone), decoding a JPEG ${f(decode)} core-ms`);
  console.log(`  ${cores} cores fully busy: at most ${f(limit(pooled.coreMs))} img/s for record once started (${f(limit(bare.coreMs))} img/s for the model alone, decoding included)`);
  if (whole !== undefined) console.log(`  the whole command, start-up included: ${f(whole)} img/s = ${((100 * whole) / limit(pooled.coreMs)).toFixed(0)} % of that limit`);
  if (torch > 0) {
    const alone = (cores * 1000) / bare.coreMs;
    console.log(`  1.5 × PyTorch = ${f(1.5 * torch)} img/s; onnxruntime running the model alone on random tensors (no taps, no decoding, like the PyTorch script) ${f(alone)} img/s = ${(alone / torch).toFixed(2)} × PyTorch`);
  }
}

/** Wall seconds of a fresh `node bin/neurolens.js ARGS` process, or undefined without a build. */
function command(args: string[]): number | undefined {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return undefined;
  const start = performance.now();
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'neurolens.js'), ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`neurolens ${args.join(' ')} failed: ${result.stderr}`);
  return (performance.now() - start) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function pytorch(batch: number, threads: number): string {
  // Debian's python3-torch lives in the system interpreter, which a pyenv shim may hide.
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const run = spawnSync(python, [join(ROOT, 'scripts', 'bench-record-torch.py'), '--batch', String(batch), '--threads', String(threads), '--images', String(IMAGES)], { encoding: 'utf8' });
  if (run.status === 0) return run.stdout.trim();
  return `skipped (${run.error ? 'no python3' : (run.stderr.trim().split('\n').at(-1) ?? 'failed')})`;
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

  console.log(`machine: ${cores} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load ${loadavg()[0]!.toFixed(2)}, node ${process.version}, onnxruntime-node ${ort.env.versions.common}, execution provider ${DEVICE}`);
  console.log(`model: ResNet-18 shape, 224×224, ${(bytes.length / 1e6).toFixed(1)} MB; taps: ${layers.map((l) => l.id).join(', ')} (mean)`);
  console.log(`images: ${IMAGES} JPEGs, 320–480 × 240–400 px, resized (shorter side 256) and centre-cropped to 224`);
  console.log('');
  console.log('images/s          bare session:  whole maps  pooled in graph   record():  in process  whole command');
  const wholeRates = new Map<string, number>();
  const pooledRuns = new Map<string, { rate: number; coreMs: number }>();
  for (const threads of threadList) {
    for (const batch of batchList) {
      const whole = (await bareSession(bytes, layers.map((l) => l.tensor), batch, threads, 'whole')).rate;
      const pooledRun = await bareSession(bytes, layers.map((l) => l.tensor), batch, threads, 'pooled');
      pooledRuns.set(`${threads}/${batch}`, pooledRun);
      const pooled = pooledRun.rate;
      const out = join(WORK, `run-t${threads}-b${batch}`);
      rmSync(out, { recursive: true, force: true });
      const start = performance.now();
      const result = await record({ model: modelPath, images: imagesDir, out, layers: layers.map((l) => l.id), poolings: ['mean'], batch, threads, executionProvider: DEVICE });
      const inProcess = result.images / ((performance.now() - start) / 1000);
      rmSync(out, { recursive: true, force: true });
      const args = ['record', '--model', modelPath, '--images', imagesDir, '--out', out, '--layers', layers.map((l) => l.id).join(','), '--pool', 'mean', '--batch', String(batch), '--threads', String(threads), '--device', DEVICE];
      // A single fresh process varies by several per cent on a shared host: the median of three.
      const runs = Array.from({ length: 3 }, () => {
        const wall = command(args);
        rmSync(out, { recursive: true, force: true });
        return wall;
      });
      const seconds = runs[0] === undefined ? undefined : median(runs as number[]);
      const wholeCommand = seconds === undefined ? 'needs npm run build' : (IMAGES / seconds).toFixed(1);
      if (seconds !== undefined) wholeRates.set(`${threads}/${batch}`, IMAGES / seconds);
      console.log(`threads ${threads} batch ${String(batch).padStart(2)}  ${whole.toFixed(1).padStart(20)}  ${pooled.toFixed(1).padStart(15)}  ${inProcess.toFixed(1).padStart(21)}  ${wholeCommand.padStart(13)}`);
    }
  }
  console.log('');
  const version = command(['--version']) === undefined ? undefined : median(Array.from({ length: 5 }, () => command(['--version'])!));
  console.log(`neurolens --version: ${version === undefined ? 'needs npm run build' : `${version.toFixed(2)} s (median of 5)`}`);
  const threads = threadList[0]!;
  const batch = batchList.includes(16) ? 16 : batchList[0]!;
  const torch = DEVICE === 'cpu' ? pytorch(batch, threads) : 'skipped (the PyTorch script runs on the CPU; compare with --device cpu)';
  console.log(`PyTorch eager, forward hooks, random tensors (scripts/bench-record-torch.py): ${torch}`);
  const torchRate = Number(/([\d.]+) images\/s/.exec(torch)?.[1]);
  const ours = wholeRates.get(`${threads}/${batch}`);
  if (ours !== undefined && torchRate > 0) console.log(`whole command / PyTorch (threads ${threads}, batch ${batch}): ${(ours / torchRate).toFixed(2)}×`);
  if (DEVICE === 'cpu') await printLimit(modelPath, imagesDir, bytes, layers.map((l) => l.tensor), batch, threads, pooledRuns.get(`${threads}/${batch}`)!, ours, torchRate);
  console.log('');
  console.log('record() and the whole command count wall time from start to exit: model load, decoding, inference, pooling, writing and finalising.');
}

await main();
