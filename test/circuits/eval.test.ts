// Circuit verification: the protocol pieces (query sample, k grid, AUC, plans), reproducibility
// from the seed, and — on a hand-weighted model where neurons a0, a1 → b0, b1 drive class 0 —
// zeroing the circuit lowers the logit more than zeroing as many random or outside neurons.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import sharp from 'sharp';
import type { CircuitResultLike } from '../../src/circuits/common.js';
import { curveAuc, curveSteps, evaluateCircuits, planQuery, readLabels, sampleQueries, type FinderFactory } from '../../src/circuits/eval.js';
import { GraphBuilder, floatAttr } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { runImages, runManifest } from '../run/helpers.js';
import { record } from '../../src/record/recorder.js';
import { buildProgram } from '../../src/cli/program.js';
import { runInProcess } from '../helpers/cli.js';

/**
 * input [N,3,4,4] → a = Relu(1 + 0.1·x_{c mod 3}) (6 channels, all ≈ 1) → b = Relu(W·a) with
 * b0 = b1 = a0 + a1, b2 = a2 + a3, b3 = a4 + a5 → GAP → logits: class 0 = 3·b0 + 3·b1 + 0.1·(b2 + b3),
 * class 1 = b2 + b3. The circuit {a0, a1, b0, b1} carries class 0.
 */
async function handRun(): Promise<{ dir: string; run: string; a: string; b: string }> {
  const g = new GraphBuilder({ name: 'hand-circuit' });
  const x = g.input('input', ['batch', 3, 4, 4]);
  const w1 = new Float32Array(18);
  for (let c = 0; c < 6; c++) w1[c * 3 + (c % 3)] = 0.1;
  const a = g.node('Relu', [g.node('Conv', [x, g.initializer('a.weight', w1, [6, 3, 1, 1]), g.initializer('a.bias', new Float32Array(6).fill(1), [6])], { kernel_shape: [1, 1] }, { name: '/a/Conv' })], {}, { name: '/a/Relu' });
  const w2 = new Float32Array(24);
  for (const [o, i] of [[0, 0], [0, 1], [1, 0], [1, 1], [2, 2], [2, 3], [3, 4], [3, 5]] as const) w2[o * 6 + i] = 1;
  const b = g.node('Relu', [g.node('Conv', [a, g.initializer('b.weight', w2, [4, 6, 1, 1])], { kernel_shape: [1, 1] }, { name: '/b/Conv' })], {}, { name: '/b/Relu' });
  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [b], {}, { name: '/pool/GlobalAveragePool' })], { axis: 1 }, { name: '/Flatten' });
  const fc = Float32Array.from([3, 3, 0.1, 0.1, 0, 0, 1, 1]);
  const logits = g.node('Gemm', [pooled, g.initializer('fc.weight', fc, [2, 4]), g.initializer('fc.bias', new Float32Array(2), [2])], { alpha: floatAttr(1), beta: floatAttr(1), transB: 1 }, { name: '/fc/Gemm', outputs: ['logits'] });
  g.output(logits, ['batch', 2]);
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-circuits-eval-'));
  writeFileSync(join(dir, 'model.onnx'), encodeModel(g.build()));
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ classNames: ['ball', 'dog'], mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], resize: 'stretch' }));
  for (let i = 0; i < 12; i++) {
    const raw = Buffer.alloc(4 * 4 * 3);
    for (let p = 0; p < raw.length; p++) raw[p] = (p * (i + 5) * 29 + i * 17) % 256;
    await sharp(raw, { raw: { width: 4, height: 4, channels: 3 } }).png().toFile(join(dir, `img${String(i).padStart(2, '0')}.png`));
  }
  const run = join(dir, 'run');
  await record({ model: join(dir, 'model.onnx'), images: dir, out: run, layers: [a, b], poolings: ['mean', 'top10'], threads: 1 });
  const manifest = await runManifest(run);
  return { dir, run, a: manifest.layers[0]!.id, b: manifest.layers[1]!.id };
}

/** A finder that returns the given circuits for every query (class 0 predicted). */
function fakeFinder(layers: { id: string; channels: number }[], circuits: CircuitResultLike['circuits']): FinderFactory {
  return async () => ({
    find: async (q) => ({ query: { ...('index' in q ? { index: q.index } : {}), image: 'x', predicted: [{ class: 0, logit: 0, prob: 1 }, { class: 1, logit: 0, prob: 0 }] }, layers, circuits }),
    close: async () => {},
  });
}

let hand: Awaited<ReturnType<typeof handRun>>;
let layers: { id: string; channels: number }[];
let circuits: CircuitResultLike['circuits'];

before(async () => {
  hand = await handRun();
  layers = [{ id: hand.a, channels: 6 }, { id: hand.b, channels: 4 }];
  const node = (layer: string, channel: number) => ({ layer, channel });
  const edge = (f: number, t: number, s: number) => ({ from: node(hand.a, f), to: node(hand.b, t), sensitivity: s, sfs: 0.5 });
  circuits = [
    { id: 'a#0', root: node(hand.a, 0), nodes: [node(hand.a, 0), node(hand.b, 0), node(hand.b, 1)], edges: [edge(0, 0, 0.4), edge(0, 1, 0.3)] },
    { id: 'a#1', root: node(hand.a, 1), nodes: [node(hand.a, 1), node(hand.b, 0), node(hand.b, 1)], edges: [edge(1, 0, 0.2), edge(1, 1, 0.1)] },
  ];
});

test('protocol pieces: query sample, k grid, AUC', () => {
  assert.deepEqual(sampleQueries(10, 4, 0), sampleQueries(10, 4, 0));
  assert.equal(sampleQueries(10, 4, 0).length, 4);
  assert.deepEqual(sampleQueries(3, 100, 1), [0, 1, 2]);
  assert.notDeepEqual(sampleQueries(1000, 5, 0), sampleQueries(1000, 5, 1));
  assert.deepEqual(curveSteps(3, 10), [0, 1, 2, 3]);
  assert.deepEqual(curveSteps(20, 4), [0, 5, 10, 15, 20]);
  assert.equal(curveAuc([0, 1, 2], [2, 1, 0]), 1);
  assert.equal(curveAuc([0, 5, 10], [4, 4, 4]), 4);
});

test('plan: union, per-layer counts, curve order, outside draws avoid the circuit', () => {
  const result: CircuitResultLike = { query: { image: 'x', predicted: [] }, layers, circuits };
  const plan = planQuery(result, { seed: 0, index: 3, draws: 5, steps: 10 });
  assert.deepEqual(plan.union, [{ layer: hand.a, channel: 0 }, { layer: hand.a, channel: 1 }, { layer: hand.b, channel: 0 }, { layer: hand.b, channel: 1 }]);
  assert.deepEqual(plan.perLayer, { [hand.a]: 2, [hand.b]: 2 });
  assert.equal(plan.edges, 4);
  assert.deepEqual(plan.ks, [0, 1, 2, 3, 4]);
  // Ranked edges a0→b0 (0.4), a0→b1, a1→b0, a1→b1: neurons a0, b0 | b1 | a1 | —.
  assert.deepEqual(plan.deletion.map((s) => s.map((n) => `${n.layer}:${n.channel}`)), [[], [`${hand.a}:0`, `${hand.b}:0`], [`${hand.a}:0`, `${hand.b}:0`, `${hand.b}:1`], [`${hand.a}:0`, `${hand.b}:0`, `${hand.b}:1`, `${hand.a}:1`], [`${hand.a}:0`, `${hand.b}:0`, `${hand.b}:1`, `${hand.a}:1`]]);
  assert.equal(plan.insertion[0]!.length, 4);
  assert.equal(plan.insertion[4]!.length, 0);
  for (const draw of plan.outside) {
    assert.equal(draw.length, 4);
    for (const n of draw) assert.ok(n.channel >= 2, `outside draw hit circuit neuron ${n.layer}:${n.channel}`);
  }
  for (const draw of plan.random) {
    assert.equal(draw.filter((n) => n.layer === hand.a).length, 2);
    assert.equal(new Set(draw.map((n) => `${n.layer}:${n.channel}`)).size, 4);
  }
  assert.deepEqual(planQuery(result, { seed: 0, index: 3, draws: 5, steps: 10 }), plan);
  assert.notDeepEqual(planQuery(result, { seed: 1, index: 3, draws: 5, steps: 10 }).random, plan.random);
});

test('hand-weighted model: zeroing the circuit lowers class 0 more than random and outside neurons', async () => {
  const out = join(hand.dir, 'eval-a.json');
  const { result } = await evaluateCircuits({ run: hand.run, queries: 4, seed: 0, threads: 1, out, finder: fakeFinder(layers, circuits) });
  assert.equal(result.summary.withCircuits, 4);
  const s = result.summary.predicted;
  assert.ok(s.drop.circuit.mean > s.drop.random.mean, `circuit ${s.drop.circuit.mean} vs random ${s.drop.random.mean}`);
  assert.ok(s.drop.random.mean > s.drop.outside.mean, `random ${s.drop.random.mean} vs outside ${s.drop.outside.mean}`);
  assert.equal(s.circuitBeatsRandom, 1);
  for (const q of result.queries as { predicted: { original: number; circuit: number; deletion: number[]; insertion: number[]; outside: { values: number[] } } }[]) {
    const p = q.predicted;
    // Without b0, b1 only 0.1·(b2 + b3) is left; the outside neurons do not feed class 0 much.
    assert.ok(p.circuit < 0.1 * p.original, `${p.circuit} vs ${p.original}`);
    assert.equal(p.deletion[0], p.original);
    assert.equal(p.deletion.at(-1), p.circuit);
    assert.equal(p.insertion[0], p.circuit);
    assert.equal(p.insertion.at(-1), p.original);
  }
  assert.ok(s.auc.deletion.mean < s.auc.insertion.mean);
});

test('reproducible from the seed: the same JSON twice, other draws with another seed', async () => {
  const run = (seed: number, name: string) => evaluateCircuits({ run: hand.run, queries: 3, seed, threads: 1, draws: 4, out: join(hand.dir, name), finder: fakeFinder(layers, circuits) });
  const first = await run(7, 'e1.json');
  const second = await run(7, 'e2.json');
  assert.equal(readFileSync(first.path, 'utf8'), readFileSync(second.path, 'utf8'));
  const other = await run(8, 'e3.json');
  const draws = (r: typeof first) => (r.result.queries as { index: number; predicted: { random: { values: number[] } } }[]).map((q) => [q.index, q.predicted.random.values]);
  assert.notDeepEqual(draws(other), draws(first));
  const json = JSON.parse(readFileSync(first.path, 'utf8')) as { protocol: { seed: number; draws: number; text: string[] } };
  assert.equal(json.protocol.seed, 7);
  assert.equal(json.protocol.draws, 4);
  assert.ok(json.protocol.text.some((line) => line.startsWith('deletion(k)')));
});

test('labels: CSV and JSONL, names and indices; the true class is scored too', async () => {
  const images = await runImages(hand.run);
  const csv = join(hand.dir, 'labels.csv');
  writeFileSync(csv, `path,label\n${images[0]!.path},dog\n"${images[1]!.path}",0\nelsewhere.png,dog\n`);
  const map = await readLabels(csv, images, ['ball', 'dog']);
  assert.deepEqual([...map], [[0, 1], [1, 0]]);
  const jsonl = join(hand.dir, 'labels.jsonl');
  writeFileSync(jsonl, `${JSON.stringify({ path: images[2]!.path, label: 'ball' })}\n`);
  assert.deepEqual([...(await readLabels(jsonl, images, ['ball', 'dog']))], [[2, 0]]);
  writeFileSync(jsonl, `${JSON.stringify({ path: images[2]!.path, label: 'cat' })}\n`);
  await assert.rejects(readLabels(jsonl, images, ['ball', 'dog']), /labels\.jsonl:1: unknown class "cat"/);
  const { result } = await evaluateCircuits({ run: hand.run, queries: [0, 1, 5], labels: csv, threads: 1, draws: 2, out: join(hand.dir, 'e4.json'), finder: fakeFinder(layers, circuits) });
  const qs = result.queries as { index: number; true?: { class: number; drop: { circuit: number } } | null }[];
  assert.equal(qs[0]!.true!.class, 1);
  assert.equal(qs[1]!.true!.class, 0);
  assert.equal(qs[2]!.true, null);
  // Class 1 = b2 + b3: zeroing the class-0 circuit leaves it as it was.
  assert.ok(Math.abs(qs[0]!.true!.drop.circuit) < 1e-5);
  assert.equal(result.summary.true!.queries, 2);
});

test('the real CircuitFinder runs end to end; identical output twice', async () => {
  const go = (name: string) => evaluateCircuits({ run: hand.run, queries: 3, threads: 1, draws: 3, layers: [hand.a, hand.b], out: join(hand.dir, name) });
  const a = await go('r1.json');
  const b = await go('r2.json');
  assert.equal(readFileSync(a.path, 'utf8'), readFileSync(b.path, 'utf8'));
  assert.equal(a.result.summary.queries, 3);
});

test('usage errors: a query index outside the run', async () => {
  await assert.rejects(evaluateCircuits({ run: hand.run, queries: [99], threads: 1, finder: fakeFinder(layers, circuits) }), /query index 99 is not an image of/);
  await assert.rejects(evaluateCircuits({ run: hand.run, draws: 0, finder: fakeFinder(layers, circuits) }), /--draws must be a positive integer/);
});

test('CLI: `circuits eval` and `circuits diagnose` take their options after the subcommand', async () => {
  // diagnose through the real binary (no other test runs it as its own process); eval in this
  // process (test/run/damaged-cli.test.ts runs the real binary's `circuits eval`).
  const spawned = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts'), ...args], { encoding: 'utf8', env: { ...process.env, NEUROLENS_DEBUG: '' } });
  const cli = async (...args: string[]) => {
    const r = await runInProcess(buildProgram(), args, { env: { NEUROLENS_DEBUG: undefined } });
    return { status: r.code, stdout: r.stdout, stderr: r.stderr };
  };
  const ev = await cli('circuits', 'eval', '--run', hand.run, '--queries', '0,3', '--threads', '1', '--draws', '2', '--layers', `${hand.a},${hand.b}`);
  assert.equal(ev.status, 0, ev.stderr);
  assert.match(ev.stdout, /queries: 2 \(with circuits: \d+\)/);
  assert.match(ev.stdout, new RegExp(`result: .*circuits.eval\\.json`));
  const json = JSON.parse(readFileSync(join(hand.run, 'circuits', 'eval.json'), 'utf8')) as { chosen: number[]; protocol: { draws: number } };
  assert.deepEqual(json.chosen, [0, 3]);
  assert.equal(json.protocol.draws, 2);
  const di = spawned('circuits', 'diagnose', '--run', hand.run, '--query', '3', '--target', 'dog', '--threads', '1', '--layers', `${hand.a},${hand.b}`);
  assert.equal(di.status, 0, di.stderr);
  assert.match(di.stdout, /predicted (ball|dog) \(\d\).*target dog \(1\)/);
  const bad = await cli('circuits', 'eval', '--run', hand.run, '--queries', 'x');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--queries must be a count/);
});
