/**
 * Benchmark of circuit discovery for one query: the batched scheme (CircuitFinder: one clean pass,
 * then every source of a layer scored through the cut sub-graph layer l → l+1 in batches) against a
 * naive scheme that mirrors the GCC research code (NaiveSensitivity: three full-model passes per
 * source neuron, batch 1) inside the same discovery (discoverCircuits + selectEdges, the same
 * roots, SFS and T10 tests as discover.ts). Checks that both give the same edge set and prints both
 * times and their ratio.
 *
 * Model: models/emoji-resnet.onnx, with a quick run it records itself in .bench/circuits/ from ~300
 * emoji PNGs (every k-th file of node_modules/emoji-datasource-google/img/google/64, sorted). When
 * the demo model is missing, a ResNet-18-shaped model with seeded random weights at 64×64 (the test
 * fixture's shape) stands in, with a note.
 *
 * Query: by default the run image that is in the most top-1 % reference sets (T1) of the
 * non-last layers — the most roots, so the largest discovery; `--query N` picks another. Each scheme
 * runs `--repeat` times (default 3) after one warm-up of the batched scheme; the fastest run counts
 * (the machine may be shared).
 *
 *   npm run bench:circuits                       # query auto, threads 1
 *   npm run bench:circuits -- --query 17 --threads 2 --batch 32 --repeat 3
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CircuitFinder, inputDims, regionOrWhole } from '../src/circuits/discover.js';
import { deviceFlag } from './device-flag.js';
import { discoverCircuits, selectEdges } from '../src/circuits/expand.js';
import { NaiveSensitivity } from '../src/circuits/naive.js';
import { isTop } from '../src/circuits/reference.js';
import { semanticFlowScores } from '../src/circuits/sfs.js';
import type { Circuit, NeuronRef } from '../src/circuits/types.js';
import { encodeModel } from '../src/onnx/codec.js';
import { loadModel } from '../src/onnx/load.js';
import { poolBatch, type TapKind } from '../src/record/pool.js';
import { record } from '../src/record/recorder.js';
import { resnet18 } from '../test/fixtures/tiny-models.js';

const WORK = join(process.cwd(), '.bench', 'circuits');
const EMOJI = join(process.cwd(), 'node_modules', 'emoji-datasource-google', 'img', 'google', '64');
const IMAGES = 300;

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : undefined;
}

/** The model to use and a note when it is the stand-in. */
function benchModel(): { path: string; note?: string } {
  const demo = join(process.cwd(), 'models', 'emoji-resnet.onnx');
  if (existsSync(demo)) return { path: demo };
  const path = join(WORK, 'resnet18-64.onnx');
  if (!existsSync(path)) writeFileSync(path, encodeModel(resnet18({ seed: 18, size: 64, classes: 100 })));
  writeFileSync(join(WORK, 'resnet18-64.json'), JSON.stringify({ inputSize: [64, 64], resize: 'stretch' }));
  return { path, note: 'models/emoji-resnet.onnx is missing: using a ResNet-18-shaped model with seeded random weights at 64×64 (test/fixtures resnet18)' };
}

/** Every k-th emoji PNG (sorted by name) so the ~300 images span the whole set, as a list file. */
function imageList(): string {
  if (!existsSync(EMOJI)) throw new Error(`${EMOJI} is missing: run npm install (emoji-datasource-google is a dev dependency)`);
  const files = readdirSync(EMOJI).filter((f) => f.endsWith('.png')).sort();
  const step = Math.max(1, Math.floor(files.length / IMAGES));
  const chosen = files.filter((_, i) => i % step === 0).slice(0, IMAGES);
  const list = join(WORK, 'images.txt');
  writeFileSync(list, `${chosen.map((f) => join(EMOJI, f)).join('\n')}\n`);
  return list;
}

const edgeKey = (e: { from: NeuronRef; to: NeuronRef }) => `${e.from.layer}:${e.from.channel}>${e.to.layer}:${e.to.channel}`;
const edgeSet = (circuits: readonly { edges: readonly { from: NeuronRef; to: NeuronRef }[] }[]) => new Set(circuits.flatMap((c) => c.edges.map(edgeKey)));

/**
 * The same discovery as CircuitFinder.find, with NaiveSensitivity scoring one source at a time; it
 * also does find()'s other work (the query's logits — here from the same pass as the taps — and
 * every node's region), so the two timings differ by the scorer only.
 */
async function naiveFind(finder: CircuitFinder, naive: NaiveSensitivity, index: number): Promise<{ circuits: Circuit[]; sources: number; scoring: number }> {
  const { layers, reference, prep } = finder.run;
  const input = await finder.queryInput({ index });
  const dims = inputDims(prep, 1);
  const { taps, outputs } = await finder.viewer.run({ [finder.viewer.inputNames[0]!]: { data: input.data.slice(), dims } });
  if (!outputs[finder.viewer.outputNames[0]!]) throw new Error('no logits');
  const kind = (d: readonly number[]): TapKind => (d.length === 4 ? 'feature' : d.length === 3 ? 'tokens' : 'vector');
  const acts = layers.map((l) => {
    const t = taps[l.tensor]!;
    return poolBatch(t.data as Float32Array, t.dims, kind(t.dims), ['top10']).top10;
  });
  const roots: NeuronRef[] = [];
  for (let l = 0; l < layers.length - 1; l++) {
    for (let c = 0; c < layers[l]!.channels; c++) if (isTop(reference.layers[l]!, c, acts[l]![c]!, '1')) roots.push({ layer: layers[l]!.id, channel: c });
  }
  const position = new Map(layers.map((l, i) => [l.id, i]));
  let sources = 0;
  let scoring = 0;
  const circuits = await discoverCircuits({
    layers: layers.map((l) => l.id),
    roots,
    edgesFrom: async (layerId, channel) => {
      const l = position.get(layerId)!;
      sources++;
      const t = performance.now();
      const [scores] = await naive.scores(l, { data: input.data, dims }, [channel]);
      scoring += (performance.now() - t) / 1000;
      const target = reference.layers[l + 1]!;
      return selectEdges({
        source: { layer: layerId, channel },
        targetLayer: layers[l + 1]!.id,
        scores: scores!,
        sfs: semanticFlowScores(reference.layers[l]!.T1[channel]!, target.T1, reference.images),
        queryInT10: (c) => isTop(target, c, acts[l + 1]![c]!, '10'),
        percentile: finder.percentile,
      }).edges;
    },
  });
  for (const circuit of circuits) {
    for (const n of circuit.nodes) regionOrWhole(taps[layers[position.get(n.layer)!]!.tensor]!, n.channel, layers[position.get(n.layer)!]!, prep);
  }
  return { circuits, sources, scoring };
}

/**
 * Times the finder's sensitivity engine calls (seconds accumulated into the returned getter). The
 * engine is private to CircuitFinder; the bench reaches it only to split find()'s time into scoring
 * and the rest, and reports nothing when it is not there.
 */
function timeEngine(finder: CircuitFinder): (() => number) | undefined {
  const engine = (finder as unknown as { engine?: { scores?: (...args: unknown[]) => Promise<unknown> } }).engine;
  if (!engine || typeof engine.scores !== 'function') return undefined;
  let seconds = 0;
  const scores = engine.scores.bind(engine);
  engine.scores = async (...args: unknown[]) => {
    const t = performance.now();
    try {
      return await scores(...args);
    } finally {
      seconds += (performance.now() - t) / 1000;
    }
  };
  return () => {
    const s = seconds;
    seconds = 0;
    return s;
  };
}

/** The run image in the most T1 sets of the layers that can hold roots (all but the last); lowest index on ties. */
function mostRoots(finder: CircuitFinder): number {
  const { reference } = finder.run;
  const counts = new Int32Array(reference.images);
  for (const layer of reference.layers.slice(0, -1)) for (const members of layer.T1) for (const i of members) counts[i]!++;
  let best = 0;
  for (let i = 1; i < counts.length; i++) if (counts[i]! > counts[best]!) best = i;
  return best;
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  // One thread by default: batch-1 passes of a 64×64 model gain nothing from intra-op threads, and
  // on a shared machine spinning onnxruntime threads distort both timings.
  const threads = flag('threads') ?? 1;
  const device = deviceFlag();
  const batch = flag('batch') ?? 32;
  const repeat = flag('repeat') ?? 3;
  const model = benchModel();
  if (model.note) console.log(`note: ${model.note}`);
  const run = join(WORK, model.note ? 'run-resnet18' : 'run-emoji');
  let t = performance.now();
  const recorded = await record({ model: model.path, images: imageList(), out: run, poolings: ['mean', 'top10'], threads, executionProvider: device });
  console.log(`run: ${run} (${recorded.images} images, ${recorded.status === 'unchanged' ? 'already recorded' : `recorded in ${((performance.now() - t) / 1000).toFixed(1)} s`})`);
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; threads ${threads}, batch ${batch}, execution provider ${device}`);

  t = performance.now();
  const finder = await CircuitFinder.create(run, { threads, batch, executionProvider: device });
  console.log(`setup: CircuitFinder.create ${((performance.now() - t) / 1000).toFixed(2)} s; layers ${finder.run.layers.map((l) => `${l.id} (${l.channels})`).join(', ')}`);
  const { model: proto } = await loadModel(finder.run.manifest.model.path);
  const naive = await NaiveSensitivity.create(proto, finder.run.layers, { threads, executionProvider: device });
  const query = flag('query') ?? mostRoots(finder);
  console.log(`query ${query}${flag('query') === undefined ? ' (auto: the image in most T1 sets)' : ''}, ${repeat} timed run(s) per scheme, fastest counts`);
  try {
    // Warm-up (first-run allocations and cut sessions), then the timed runs.
    await finder.find({ index: query });
    let batched = await finder.find({ index: query });
    let batchedSeconds = Infinity;
    let naiveSeconds = Infinity;
    let batchedScoring = Infinity;
    let naiveScoring = Infinity;
    const engineTime = timeEngine(finder);
    let slow = await naiveFind(finder, naive, query);
    for (let r = 0; r < repeat; r++) {
      engineTime?.();
      t = performance.now();
      batched = await finder.find({ index: query });
      batchedSeconds = Math.min(batchedSeconds, (performance.now() - t) / 1000);
      if (engineTime) batchedScoring = Math.min(batchedScoring, engineTime());
      t = performance.now();
      slow = await naiveFind(finder, naive, query);
      naiveSeconds = Math.min(naiveSeconds, (performance.now() - t) / 1000);
      naiveScoring = Math.min(naiveScoring, slow.scoring);
    }
    const a = edgeSet(batched.circuits);
    const b = edgeSet(slow.circuits);
    const same = a.size === b.size && [...a].every((k) => b.has(k));
    const onlyBatched = [...a].filter((k) => !b.has(k));
    const onlyNaive = [...b].filter((k) => !a.has(k));
    console.log(`query ${query} (${batched.query.image}): ${batched.roots.length} roots, ${batched.circuits.length} circuits, ${a.size} edges, ${batched.diagnostics.sources} sources scored`);
    console.log(`batched (CircuitFinder, SensitivityEngine): ${batchedSeconds.toFixed(3)} s`);
    console.log(`naive   (NaiveSensitivity, 3 full passes per source, batch 1): ${naiveSeconds.toFixed(3)} s (${slow.sources} sources, ${3 * slow.sources} passes)`);
    console.log(`speed-up: ${(naiveSeconds / batchedSeconds).toFixed(1)}× (goal ≥ 10×)`);
    if (Number.isFinite(batchedScoring)) {
      console.log(`  sensitivity scoring only: batched ${batchedScoring.toFixed(3)} s, naive ${naiveScoring.toFixed(3)} s → ${(naiveScoring / batchedScoring).toFixed(1)}×; the rest of find() (clean + logits passes, SFS, cuts, regions of ${batched.circuits.reduce((a, c) => a + c.nodes.length, 0)} circuit nodes, ${new Set(batched.circuits.flatMap((c) => c.nodes.map((n) => `${n.layer}:${n.channel}`))).size} distinct) ${(batchedSeconds - batchedScoring).toFixed(3)} s batched, ${(naiveSeconds - naiveScoring).toFixed(3)} s naive`);
    }
    console.log(`same edge set: ${same ? 'yes' : `NO (${onlyBatched.length} only batched: ${onlyBatched.slice(0, 5).join(', ')}; ${onlyNaive.length} only naive: ${onlyNaive.slice(0, 5).join(', ')})`}`);
    if (!same) process.exitCode = 1;
  } finally {
    await Promise.all([finder.close(), naive.close()]);
  }
}

await main();
