/**
 * Benchmark of the explorer (`neurolens serve`) at the scale issue 8 claims: a RUN of 25,000 images
 * and 2,048 neurons in a layer stays responsive (virtualised lists, thumbnails made once and cached,
 * paginated API), and 200 concurrent requests are served without failure.
 *
 * 1. Builds a realistic RUN with the real recorder: a small CNN made with GraphBuilder (16×16 input,
 *    Conv 3→C 3×3 → Relu, the recorded 'feature' layer of C channels, → GAP → Flatten → Gemm to 10
 *    classes) and N generated 16×16 PNGs in 10 sub-folders; `record` with `mean` pooling, top-k 16.
 * 2. Starts the explorer in-process (`startServer`, port 0). The SPA route `/` needs dist/web
 *    (`npx vite build web`); without it a stub index.html stands in and `/` is left out of the figures.
 * 3. Times the API endpoints (first call and warm), thumbnails (made vs cached), then three bursts of
 *    200 concurrent mixed requests from a worker thread (every one must answer 200), sampling RSS
 *    and the server's event-loop delay.
 * At the default size it takes about 3 minutes on the project's 2-core machine (recording ≈ 150 s).
 * Prints measured figures; exits non-zero only when a request fails.
 *
 *   npx tsx scripts/bench-explorer.ts [--images 25000] [--channels 2048] [--batch 64] [--concurrent 200] [--keep]
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { GraphBuilder, floatAttr } from '../src/onnx/builder.js';
import { catalogueModel } from '../src/onnx/catalogue/index.js';
import { encodeModel } from '../src/onnx/codec.js';
import { record } from '../src/record/recorder.js';
import { startServer, type ExplorerServer } from '../src/server/server.js';
import { defaultWebDir } from '../src/server/web-app.js';
import { Random } from '../src/util/random.js';
import { deviceFlag } from './device-flag.js';

// ---------------------------------------------------------------- arguments

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
  return value;
}

const IMAGES = flag('images', 25_000);
const CHANNELS = flag('channels', 2048);
const BATCH = flag('batch', 64);
const CONCURRENT = flag('concurrent', 200);
const KEEP = process.argv.includes('--keep');
// Only the set-up's `record` runs the model; the measured requests read the run.
const DEVICE = deviceFlag();
const CLASSES = 10;
const FOLDERS = ['apple', 'bicycle', 'cactus', 'dolphin', 'eagle', 'falcon', 'guitar', 'harbour', 'igloo', 'jaguar'];

// ---------------------------------------------------------------- measurement helpers

const rows: [string, string, string][] = [];
const section = (title: string) => rows.push([`— ${title}`, '', '']);
const row = (what: string, value: string, note = '') => rows.push([what, value, note]);
const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** Peak RSS per phase, sampled every 25 ms (the recorder's inference worker is in this process). */
let peakRss = 0;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 25);
rssTimer.unref();
function takePeak(): number {
  const peak = Math.max(peakRss, process.memoryUsage().rss);
  peakRss = 0;
  return peak;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function duSync(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const name of readdirSync(path)) total += duSync(join(path, name));
  return total;
}

/** Runs `jobs` with at most `limit` in flight. */
async function pool<T>(count: number, limit: number, job: (i: number) => Promise<T>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

// ---------------------------------------------------------------- the model and the images

/** input [N,3,16,16] → Conv 3→C 3×3 → Relu (the 'feature' layer) → GAP → Flatten → Gemm → 10 logits. */
function buildModel(channels: number): Uint8Array {
  const g = new GraphBuilder({ name: 'bench-explorer' });
  const rng = new Random(8);
  const input = g.input('input', ['batch', 3, 16, 16]);
  const w = g.initializer('features.0.weight', rng.normalArray(channels * 27, Math.sqrt(2 / 27)), [channels, 3, 3, 3]);
  const b = g.initializer('features.0.bias', rng.normalArray(channels, 0.1), [channels]);
  let x = g.node('Conv', [input, w, b], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] }, { name: '/features/features.0/Conv' });
  x = g.node('Relu', [x], {}, { name: '/features/features.1/Relu' });
  const pooled = g.node('GlobalAveragePool', [x], {}, { name: '/avgpool/GlobalAveragePool' });
  const flat = g.node('Flatten', [pooled], { axis: 1 }, { name: '/Flatten' });
  const fw = g.initializer('fc.weight', rng.normalArray(CLASSES * channels, 1 / Math.sqrt(channels)), [CLASSES, channels]);
  const fb = g.initializer('fc.bias', rng.normalArray(CLASSES, 0.1), [CLASSES]);
  const logits = g.node('Gemm', [flat, fw, fb], { alpha: floatAttr(1), beta: floatAttr(1), transB: 1 }, { name: '/fc/Gemm', outputs: ['logits'] });
  g.output(logits, ['batch', CLASSES]);
  return encodeModel(g.build());
}

/** N 16×16 PNGs of random colours (a base colour per image plus noise), in 10 named sub-folders. */
async function makeImages(dir: string, count: number): Promise<void> {
  for (const f of FOLDERS) mkdirSync(join(dir, f), { recursive: true });
  await pool(count, 32, async (i) => {
    const rng = new Random(1000 + i);
    const raw = Buffer.alloc(16 * 16 * 3);
    const base = [rng.int(256), rng.int(256), rng.int(256)];
    for (let p = 0; p < 256; p++) for (let ch = 0; ch < 3; ch++) raw[p * 3 + ch] = Math.max(0, Math.min(255, base[ch]! + rng.int(97) - 48));
    const name = join(dir, FOLDERS[i % FOLDERS.length]!, `img${String(i).padStart(6, '0')}.png`);
    await sharp(raw, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(name);
  });
}

// ---------------------------------------------------------------- HTTP timing

interface Timed {
  status: number;
  ms: number;
  bytes: number;
  body: Buffer;
}

async function get(server: ExplorerServer, path: string): Promise<Timed> {
  const start = performance.now();
  const res = await fetch(new URL(path, server.url));
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, ms: performance.now() - start, bytes: body.length, body };
}

const failures: string[] = [];

/** GETs `path` once (must be 200) and returns the timing. */
async function once(server: ExplorerServer, path: string): Promise<Timed> {
  const t = await get(server, path);
  if (t.status !== 200) failures.push(`${path} → ${t.status} ${t.body.toString('utf8').slice(0, 200)}`);
  return t;
}

/** The server's event-loop delay (it runs in this thread): the longest stall of a first call is shown with it. */
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
const sleep = (msec: number) => new Promise((resolve) => setTimeout(resolve, msec));
let firstStall = 0;

/** First call (noting the longest event-loop stall it caused), then the median of `warm` further calls. */
async function firstAndWarm(server: ExplorerServer, path: string, warm = 5): Promise<{ first: Timed; warm: number }> {
  await sleep(10);
  loopDelay.reset();
  const first = await once(server, path);
  await sleep(20); // let the monitor's timer see a stall that ended just now
  firstStall = loopDelay.max / 1e6;
  const times: number[] = [];
  for (let i = 0; i < warm; i++) times.push((await once(server, path)).ms);
  times.sort((a, b) => a - b);
  return { first, warm: quantile(times, 0.5) };
}

async function timeEndpoint(server: ExplorerServer, label: string, path: string, note = ''): Promise<Timed> {
  const { first, warm } = await firstAndWarm(server, path);
  row(label, `${ms(first.ms)} / ${ms(warm)}`, `${(first.bytes / 1024).toFixed(1)} KiB; loop stall ≤ ${firstStall.toFixed(0)} ms${note ? `; ${note}` : ''}`);
  return first;
}

/**
 * The load generator of the bursts: Promise.all of fetch in a worker thread, so the client's own
 * request/response work does not queue on the server's event loop (a browser is another process too).
 */
const CLIENT = `
const { parentPort } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
parentPort.on('message', async ({ base, paths }) => {
  const start = performance.now();
  const results = await Promise.all(paths.map(async (p) => {
    const t0 = performance.now();
    try {
      const res = await fetch(new URL(p, base));
      const body = Buffer.from(await res.arrayBuffer());
      return { status: res.status, ms: performance.now() - t0, bytes: body.length, text: res.status === 200 ? '' : body.toString('utf8').slice(0, 160) };
    } catch (err) {
      return { status: 0, ms: performance.now() - t0, bytes: 0, text: String(err.cause ?? err.message) };
    }
  }));
  parentPort.postMessage({ wall: performance.now() - start, results });
});`;

interface BurstResult {
  wall: number;
  results: { status: number; ms: number; bytes: number; text: string }[];
}

function burst(client: Worker, base: string, paths: string[]): Promise<BurstResult> {
  return new Promise((resolve, reject) => {
    client.once('message', resolve);
    client.once('error', reject);
    client.postMessage({ base, paths });
  });
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const total0 = performance.now();
  const work = mkdtempSync(join(tmpdir(), 'neurolens-bench-explorer-'));
  const imagesDir = join(work, 'images');
  const modelPath = join(work, 'bench.onnx');
  const runDir = join(work, 'run');
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`machine: ${cpu} × ${availableParallelism()}, ${mib(totalmem())} RAM, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}, execution provider ${DEVICE}`);
  console.log(`size: ${IMAGES.toLocaleString('en')} images × ${CHANNELS.toLocaleString('en')} channels; work dir ${work}${KEEP ? ' (kept)' : ''}`);
  let server: ExplorerServer | undefined;
  try {
    // 1. The RUN.
    section('building the RUN');
    let t = performance.now();
    const modelBytes = buildModel(CHANNELS);
    writeFileSync(modelPath, modelBytes);
    const { decodeModel } = await import('../src/onnx/codec.js');
    const summary = await catalogueModel(decodeModel(modelBytes), {});
    // The catalogue's default layer (the Relu before global pooling, by the plain-CNN rule); passed explicitly to record.
    const candidates = summary.layers.filter((l) => l.channels === CHANNELS && l.kind === 'feature');
    const layer = candidates.find((l) => l.isDefault) ?? candidates.at(-1);
    if (!layer) throw new Error(`the catalogue has no feature layer of ${CHANNELS} channels: ${summary.layers.map((l) => `${l.id}(${l.channels})`).join(', ')}`);
    row('model built + catalogued', ms(performance.now() - t), `${(modelBytes.length / 1024).toFixed(0)} KiB; layer ${layer.id} = ${layer.tensor} (${layer.kind}, ${layer.channels} ch, ${layer.spatial?.join('×') ?? '?'}, default: ${layer.isDefault})`);

    t = performance.now();
    await makeImages(imagesDir, IMAGES);
    const genMs = performance.now() - t;
    row('PNG generation', ms(genMs), `${(IMAGES / (genMs / 1000)).toFixed(0)} img/s, ${mib(duSync(imagesDir))} on disk`);

    t = performance.now();
    let finalizeStart = 0;
    const rec = await record(
      { model: modelPath, images: imagesDir, out: runDir, layers: [layer.id], poolings: ['mean'], topK: 16, batch: BATCH, executionProvider: DEVICE },
      { onProgress: (p) => void (p.phase === 'finalize' && finalizeStart === 0 && (finalizeStart = performance.now())) },
    );
    const recMs = performance.now() - t;
    const inferMs = (finalizeStart || performance.now()) - t;
    row('record (end to end)', ms(recMs), `${rec.images} images, ${rec.skipped} skipped, ${(rec.images / (recMs / 1000)).toFixed(0)} img/s, batch ${BATCH}`);
    row('  of which decode+infer+pool', ms(inferMs), `${(rec.images / (inferMs / 1000)).toFixed(0)} img/s`);
    row('  of which finalize (concat, stats)', ms(recMs - inferMs));
    row('RUN size on disk', mib(duSync(runDir)), `activations ${mib(duSync(join(runDir, 'activations')))}`);
    row('peak RSS while recording', mib(takePeak()));

    // 2. The server.
    section('explorer: start');
    let webDir = defaultWebDir();
    const haveApp = existsSync(join(webDir, 'index.html'));
    if (!haveApp) {
      webDir = join(work, 'web-stub');
      mkdirSync(webDir, { recursive: true });
      writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>stub</title>');
    }
    const rssBefore = process.memoryUsage().rss;
    t = performance.now();
    server = await startServer({ run: runDir, port: 0, webDir });
    row('startServer', ms(performance.now() - t), `${server.url}; RSS ${mib(rssBefore)} before`);
    takePeak();
    const delay = loopDelay;
    delay.enable();

    const L = encodeURIComponent(layer.id);
    // 'loop stall': the longest event-loop delay during the first call (5 ms resolution) — how long
    // the server could not answer anyone else.
    // 3. Endpoints, first call then warm (median of 5).
    section('endpoints: first call / warm median (×5)');
    if (haveApp) await timeEndpoint(server, 'GET / (SPA index.html)', '/');
    else row('GET / (SPA)', 'skipped', 'dist/web missing: run `npx vite build web`');
    await timeEndpoint(server, '/api/overview', '/api/overview');
    await timeEndpoint(server, 'neurons sort=index offset 0 (cold)', `/api/layers/${L}/neurons?offset=0&limit=100&sort=index`, 'first call streams the activations (min/max/histogram scan)');
    const deep = CHANNELS > 2000 ? 2000 : Math.max(0, CHANNELS - 100); // a deep page of the virtualised list
    for (const sort of ['index', 'rate', 'maxact']) {
      await timeEndpoint(server, `neurons sort=${sort} offset 0`, `/api/layers/${L}/neurons?offset=0&limit=100&sort=${sort}`);
      await timeEndpoint(server, `neurons sort=${sort} offset ${deep}`, `/api/layers/${L}/neurons?offset=${deep}&limit=100&sort=${sort}`);
    }
    await timeEndpoint(server, 'neurons limit=500 sort=rate', `/api/layers/${L}/neurons?offset=500&limit=500&sort=rate`);
    await timeEndpoint(server, '/api/images offset 0 (cold)', '/api/images?offset=0&limit=100', 'first call reads images.parquet');
    const lastPage = Math.max(0, IMAGES - 100);
    await timeEndpoint(server, `/api/images offset ${lastPage}`, `/api/images?offset=${lastPage}&limit=100`);
    const search = await timeEndpoint(server, '/api/images?q=dolphin', '/api/images?q=dolphin&limit=100');
    const found = (JSON.parse(search.body.toString('utf8')) as { total: number }).total;
    row('  search matches', String(found), `expected ${Math.floor((IMAGES - 4) / 10) + 1}`);
    await timeEndpoint(server, '/api/images?q=nomatch', '/api/images?q=zzz-no-match');
    for (const i of [0, Math.floor(IMAGES / 2), IMAGES - 1]) await timeEndpoint(server, `/api/image/${i}`, `/api/image/${i}`);
    for (const c of [0, Math.floor(CHANNELS / 2), CHANNELS - 1]) await timeEndpoint(server, `/api/neuron/L/${c}`, `/api/neuron/${L}/${c}`, 'exemplars from topk');

    section('thumbnails: first (made) / second (cached)');
    for (const i of [1, Math.floor(IMAGES / 3), IMAGES - 2]) {
      const first = await once(server, `/thumb/${i}`);
      const second = await once(server, `/thumb/${i}`);
      const cached = existsSync(join(runDir, '.explorer-cache', 'thumbs', '128', `${i}.png`));
      row(`/thumb/${i}`, `${ms(first.ms)} / ${ms(second.ms)}`, `${first.bytes} B; cache file ${cached ? 'written' : 'MISSING'}`);
      if (!cached) failures.push(`/thumb/${i}: no file in RUN/.explorer-cache/thumbs/128`);
    }
    {
      const first = await once(server, `/thumb/7?size=64`);
      const second = await once(server, `/thumb/7?size=64`);
      row('/thumb/7?size=64', `${ms(first.ms)} / ${ms(second.ms)}`, `${first.bytes} B`);
    }
    // One uncached thumbnail asked for 50 times at once: generated once, every answer identical.
    {
      const target = Math.floor(IMAGES / 2) + 1;
      const start = performance.now();
      const got = await Promise.all(Array.from({ length: 50 }, () => get(server!, `/thumb/${target}`)));
      const same = got.every((g) => g.status === 200 && g.body.equals(got[0]!.body));
      row(`50 × the same uncached /thumb/${target}`, ms(performance.now() - start), same ? 'all 200, identical bytes' : 'DIFFERENT or failed answers');
      if (!same) failures.push(`50 concurrent requests for /thumb/${target} did not all answer the same 200`);
    }
    // A page of thumbnails as the virtualised image grid asks for them (30 at once, uncached).
    {
      const start = performance.now();
      const page = Array.from({ length: 30 }, (_, k) => 100 + k);
      const got = await Promise.all(page.map((i) => get(server!, `/thumb/${i}`)));
      const bad = got.filter((g) => g.status !== 200).length;
      row('30 uncached thumbs at once', ms(performance.now() - start), `${bad} failed`);
      if (bad) failures.push(`${bad} of 30 concurrent thumbnails failed`);
    }
    row('peak RSS, endpoints + thumbnails', mib(takePeak()));

    // 4. Concurrent bursts.
    const rng = new Random(200);
    const mixed = (k: number): string => {
      switch (k % 10) {
        case 0: return '/api/overview';
        case 1: return `/api/layers/${L}/neurons?offset=${rng.int(Math.max(1, CHANNELS - 100))}&limit=100&sort=${['index', 'rate', 'maxact'][rng.int(3)]}`;
        case 2: return `/api/neuron/${L}/${rng.int(CHANNELS)}`;
        case 3: return `/api/neuron/${L}/${rng.int(CHANNELS)}`;
        case 4: return `/api/images?offset=${rng.int(Math.max(1, IMAGES - 100))}&limit=100`;
        case 5: return `/api/images?q=${FOLDERS[rng.int(FOLDERS.length)]}&offset=${rng.int(1000)}&limit=100`;
        case 6: return `/api/image/${rng.int(IMAGES)}`;
        case 7: return `/thumb/${rng.int(IMAGES)}`; // mostly uncached: generated now
        case 8: return `/thumb/${1 + (k % 3)}`; // cached (made above)
        default: return haveApp ? '/' : `/api/layers/${L}/neurons?offset=0&limit=100&sort=rate`;
      }
    };
    const client = new Worker(CLIENT, { eval: true });
    try {
      for (const round of [1, 2, 3]) {
        section(`${CONCURRENT} concurrent mixed requests (client in a worker thread), round ${round}`);
        delay.reset();
        const paths = Array.from({ length: CONCURRENT }, (_, k) => mixed(k));
        const { wall, results } = await burst(client, server.url, paths);
        await sleep(20);
        const stall = delay.max / 1e6;
        const stallMean = delay.mean / 1e6;
        const bad = results.flatMap((r, k) => (r.status === 200 ? [] : [`${paths[k]} → ${r.status} ${r.text}`]));
        failures.push(...bad);
        const lat = results.map((r) => r.ms).sort((a, b) => a - b);
        row('all answered 200', bad.length === 0 ? 'yes' : `NO (${bad.length} failed)`, `wall ${ms(wall)}, ${(CONCURRENT / (wall / 1000)).toFixed(0)} req/s, ${mib(results.reduce((a, r) => a + r.bytes, 0))}`);
        row('latency p50 / p95 / max', `${ms(quantile(lat, 0.5))} / ${ms(quantile(lat, 0.95))} / ${ms(lat.at(-1)!)}`);
        const byKind = new Map<string, number[]>();
        paths.forEach((p, k) => {
          const kind = p.startsWith('/api/') ? p.split('?')[0]!.split('/').slice(0, 3).join('/') : p.startsWith('/thumb/') ? '/thumb' : '/';
          byKind.set(kind, [...(byKind.get(kind) ?? []), results[k]!.ms]);
        });
        for (const [kind, list] of [...byKind].sort()) {
          list.sort((a, b) => a - b);
          row(`  ${kind} (${list.length})`, `${ms(quantile(list, 0.5))} / ${ms(quantile(list, 0.95))} / ${ms(list.at(-1)!)}`);
        }
        row('server event-loop delay max', ms(stall), `mean ${ms(stallMean)}`);
      }
    } finally {
      await client.terminate();
    }
    section('memory');
    row('peak RSS, concurrent bursts', mib(takePeak()), `heap used now ${mib(process.memoryUsage().heapUsed)}; RSS after recording, before serving: ${mib(rssBefore)}`);
    row('thumbnail cache', mib(duSync(join(runDir, '.explorer-cache'))), `${readdirSync(join(runDir, '.explorer-cache', 'thumbs', '128')).length} files at 128 px`);
    delay.disable();
  } finally {
    await server?.close();
    if (!KEEP) rmSync(work, { recursive: true, force: true });
  }
  row('whole benchmark', ms(performance.now() - total0));

  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log('');
  for (const [a, b, c] of rows) console.log(a.startsWith('—') ? `\n${a}` : `${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
  console.log('');
  console.log(`machine: ${cpu} × ${availableParallelism()}, load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (failures.length > 0) {
    console.log(`\n${failures.length} request(s) failed:`);
    for (const f of failures.slice(0, 20)) console.log(`  ${f}`);
    process.exitCode = 1;
  } else console.log('every request answered 200');
}

await main();
