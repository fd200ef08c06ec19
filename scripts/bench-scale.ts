/**
 * Benchmark of distributed `record` on one machine: a ResNet-18-shaped model at 224×224 (seeded
 * random weights), 2,000 generated JPEGs, the 8 residual-block outputs with `mean`, chunks of 256.
 * Times (1) plain `record` in one process with 2 threads, (2) the same shards recorded one after
 * another in this process with 1 thread and merged (no queue), (3) the queue with 1 worker process
 * (1 thread), (4) the queue with 2 worker processes (1 thread each), from `submit` to the merged
 * run. The queue's overhead per shard is (3) − (2) over the shard count. Checks the merged runs
 * are byte-identical to (1). Prints measured figures; nothing is asserted.
 *
 *   npm run bench:scale                  # needs redis-server (Debian: apt install redis-server)
 *   npm run bench:scale -- --images 500  # a shorter run
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { encodeModel } from '../src/onnx/codec.js';
import { catalogueModel } from '../src/onnx/catalogue/index.js';
import { record } from '../src/record/recorder.js';
import { recordShard } from '../src/record/shard-record.js';
import { mergeShards } from '../src/shards/merge.js';
import { submit, waitForStage } from '../src/scale/index.js';
import { Random } from '../src/util/random.js';
import { resnet18 } from '../test/fixtures/tiny-models.js';
import { findRedis, RedisServer } from '../test/helpers/redis.js';
import { snapshotFiles } from '../test/record/helpers.js';
import { deviceFlag } from './device-flag.js';

const WORK = join(process.cwd(), '.bench', 'scale');
const CLI = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');
const CHUNK = 256;
const DEVICE = deviceFlag();

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : undefined;
}

async function makeImages(dir: string, count: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const rng = new Random(2025);
  for (let i = 0; i < count; i++) {
    const file = join(dir, `img${String(i).padStart(5, '0')}.jpg`);
    const width = 320 + rng.int(161);
    const height = 240 + rng.int(161);
    const [a, b, c] = [rng.next() * 6, rng.next() * 6, rng.next() * 6];
    if (existsSync(file)) continue;
    const raw = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = (y * width + x) * 3;
        raw[o] = 128 + 100 * Math.sin(a + x / 37) + ((x * 7 + y * 13 + i) % 30);
        raw[o + 1] = 128 + 100 * Math.sin(b + y / 23) + ((x * 11 + y * 5 + i) % 30);
        raw[o + 2] = 128 + 100 * Math.sin(c + (x + y) / 51) + ((x * 3 + y * 17 + i) % 30);
      }
    }
    await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toFile(file);
  }
}

function identical(a: string, b: string): boolean {
  const x = snapshotFiles(a);
  const y = snapshotFiles(b);
  return x.size === y.size && [...x].every(([name, bytes]) => y.get(name)?.equals(bytes) === true);
}

function startWorkers(url: string, count: number): ChildProcess[] {
  return Array.from({ length: count }, () =>
    spawn(process.execPath, ['--import', 'tsx', CLI, 'worker', '--redis', url, '--threads', '1', '--device', DEVICE], { stdio: 'ignore', env: { ...process.env } }),
  );
}

async function queued(redis: RedisServer, base: Parameters<typeof record>[0], workers: number, shards: number): Promise<number> {
  const procs = startWorkers(redis.url, workers);
  try {
    // Worker start-up (Node, tsx, modules) is not the queue's cost: let them connect first.
    await new Promise((r) => setTimeout(r, 8000));
    const start = performance.now();
    await submit({ redis: redis.url, work: { stage: 'record', options: base }, shards });
    // Queue events, not polling: waiting must cost the workers nothing.
    await waitForStage(base.out, 'record', { redis: redis.url });
    return (performance.now() - start) / 1000;
  } finally {
    for (const p of procs) p.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  // The manifest's createdAt is the one time field: pin it (as reproducible builds do) so that
  // "identical" compares the recorded data. Workers inherit it.
  process.env.SOURCE_DATE_EPOCH ??= '1700000000';
  const redisBinary = findRedis();
  if ('skip' in redisBinary) throw new Error(redisBinary.skip);
  const count = flag('images') ?? 2000;
  mkdirSync(WORK, { recursive: true });
  const modelPath = join(WORK, 'resnet18.onnx');
  const model = resnet18();
  writeFileSync(modelPath, encodeModel(model));
  const images = join(WORK, `images-${count}`);
  await makeImages(images, count);
  const layers = (await catalogueModel(model, {})).layers.filter((l) => l.isDefault).map((l) => l.id);
  const shards = Math.ceil(count / CHUNK);
  const base = (out: string, threads: number) => ({ model: modelPath, images, out, layers, poolings: ['mean' as const], batch: 16, chunkSize: CHUNK, threads, executionProvider: DEVICE });
  const fresh = (name: string) => {
    const out = join(WORK, name);
    rmSync(out, { recursive: true, force: true });
    return out;
  };

  console.log(`machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), node ${process.version}, execution provider ${DEVICE}`);
  console.log(`work: ResNet-18 shape at 224, ${count} JPEGs, 8 taps (mean), chunks of ${CHUNK} → ${shards} shards`);
  const single = fresh('single');
  let t = performance.now();
  await record(base(single, 2));
  const singleSeconds = (performance.now() - t) / 1000;
  console.log(`1. record, one process, 2 threads:                ${singleSeconds.toFixed(1)} s  ${(count / singleSeconds).toFixed(1)} images/s`);

  const direct = fresh('direct');
  t = performance.now();
  for (let i = 0; i < shards; i++) await recordShard(base(direct, 1), { index: i, count: shards });
  const shardSeconds = (performance.now() - t) / 1000;
  const m = performance.now();
  await mergeShards(direct);
  const mergeSeconds = (performance.now() - m) / 1000;
  const directSeconds = shardSeconds + mergeSeconds;
  console.log(`2. ${shards} shards in turn + merge, 1 thread, no queue: ${directSeconds.toFixed(1)} s  ${(count / directSeconds).toFixed(1)} images/s (merge ${mergeSeconds.toFixed(1)} s)  identical to 1: ${identical(single, direct)}`);

  const redis = await RedisServer.start();
  try {
    const one = fresh('queue-1');
    const oneSeconds = await queued(redis, base(one, 1), 1, shards);
    console.log(`3. queue, 1 worker (1 thread):                    ${oneSeconds.toFixed(1)} s  ${(count / oneSeconds).toFixed(1)} images/s  identical to 1: ${identical(single, one)}`);
    const two = fresh('queue-2');
    const twoSeconds = await queued(redis, base(two, 1), 2, shards);
    console.log(`4. queue, 2 workers (1 thread each):              ${twoSeconds.toFixed(1)} s  ${(count / twoSeconds).toFixed(1)} images/s  identical to 1: ${identical(single, two)}`);
    const perShard = (oneSeconds - directSeconds) / shards;
    const shardTime = shardSeconds / shards;
    console.log('');
    console.log(`queue overhead per shard of ${CHUNK} images: ${(perShard * 1000).toFixed(0)} ms = ${((100 * perShard) / shardTime).toFixed(1)} % of a shard's ${shardTime.toFixed(1)} s (3 vs 2)`);
    console.log(`2 workers vs 1: ${(oneSeconds / twoSeconds).toFixed(2)}× on ${availableParallelism()} cores; merge ${((1000 * mergeSeconds) / count).toFixed(2)} ms per image`);
    projection(count / singleSeconds, perShard / shardTime, mergeSeconds / count);
  } finally {
    await redis.stop();
  }
}

/**
 * 1.28 M images through ResNet-50 on N such machines: ResNet-50 costs 4.1 GFLOP per 224×224 image
 * against ResNet-18's 1.8, so a machine records at this ResNet-18 rate × 1.8/4.1; shards divide
 * the images over the machines, each paying the measured queue overhead; the merge runs once,
 * on one machine, at the measured time per image (it reads the layers ResNet-50 taps: ~2× the
 * channels of ResNet-18's, so that term is doubled).
 */
function projection(r18Rate: number, overhead: number, mergePerImage: number): void {
  const images = 1_280_000;
  const r50 = (r18Rate * 1.8) / 4.1;
  const merge = images * mergePerImage * 2;
  console.log('');
  console.log(`projection, ${images.toLocaleString('en')} images × ResNet-50 (${r50.toFixed(1)} images/s per 2-core machine = ${r18Rate.toFixed(1)} × 1.8/4.1):`);
  for (const n of [1, 2, 4, 8, 16, 32]) {
    const record = images / (n * r50 * (1 - Math.min(overhead, 0.99)));
    console.log(`  ${String(n).padStart(2)} machines: ${((record + merge) / 3600).toFixed(1)} h (recording ${(record / 3600).toFixed(2)} h + merge ${(merge / 3600).toFixed(2)} h)`);
  }
}

await main();
