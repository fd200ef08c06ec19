// Circuits checked one by one on a hand-weighted model where {a0, a1, b0, b1} carries class 0 and
// {a4, b3} barely touches it: each circuit ablated alone (ranked by its drop, not by input order),
// against the union; zero vs mean ablation against numbers computed from the recorded activations;
// completeness against its closed form; circuits ranked and named by annotate.ts.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import sharp from 'sharp';
import type { CircuitResultLike } from '../../src/circuits/common.js';
import { evaluateCircuits, formatEvalTable, type FinderFactory } from '../../src/circuits/eval.js';
import { bootstrapInterval, planCircuits, readCircuitChecks, summariseCircuits } from '../../src/circuits/faithfulness.js';
import { annotateCircuits, hypergeometricTail, loadConceptSets, neuronConcept } from '../../src/circuits/annotate.js';
import { loadReference } from '../../src/circuits/reference.js';
import type { CircuitQueryResult } from '../../src/circuits/discover.js';
import { openRunAblation, runLayerMeans } from '../../src/maps/ablate.js';
import { GraphBuilder, floatAttr } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { readNpy } from '../../src/store/npy.js';
import { runManifest } from '../run/helpers.js';
import { record } from '../../src/record/recorder.js';

/**
 * input [N,3,4,4] → a = Relu(1 + 0.1·x_{c mod 3}) (6 channels) → b = Relu(W·a), b0 = b1 = a0 + a1,
 * b2 = a2 + a3, b3 = a4 + a5 → GAP → class 0 = 3·b0 + 3·b1 + 0.1·(b2 + b3), class 1 = b2 + b3.
 */
async function handRun(): Promise<{ dir: string; run: string; a: string; b: string }> {
  const g = new GraphBuilder({ name: 'hand-faithfulness' });
  const x = g.input('input', ['batch', 3, 4, 4]);
  const w1 = new Float32Array(18);
  for (let c = 0; c < 6; c++) w1[c * 3 + (c % 3)] = 0.1;
  const a = g.node('Relu', [g.node('Conv', [x, g.initializer('a.weight', w1, [6, 3, 1, 1]), g.initializer('a.bias', new Float32Array(6).fill(1), [6])], { kernel_shape: [1, 1] }, { name: '/a/Conv' })], {}, { name: '/a/Relu' });
  const w2 = new Float32Array(24);
  for (const [o, i] of [[0, 0], [0, 1], [1, 0], [1, 1], [2, 2], [2, 3], [3, 4], [3, 5]] as const) w2[o * 6 + i] = 1;
  const b = g.node('Relu', [g.node('Conv', [a, g.initializer('b.weight', w2, [4, 6, 1, 1])], { kernel_shape: [1, 1] }, { name: '/b/Conv' })], {}, { name: '/b/Relu' });
  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [b], {}, { name: '/pool/GlobalAveragePool' })], { axis: 1 }, { name: '/Flatten' });
  const fc = Float32Array.from([3, 3, 0.1, 0.1, 0, 0, 1, 1]);
  g.output(g.node('Gemm', [pooled, g.initializer('fc.weight', fc, [2, 4]), g.initializer('fc.bias', new Float32Array(2), [2])], { alpha: floatAttr(1), beta: floatAttr(1), transB: 1 }, { name: '/fc/Gemm', outputs: ['logits'] }), ['batch', 2]);
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-circuits-faithful-'));
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

let hand: Awaited<ReturnType<typeof handRun>>;
let layers: { id: string; channels: number }[];
let planted: CircuitResultLike['circuits'][number];
let decoy: CircuitResultLike['circuits'][number];
const node = (layer: string, channel: number) => ({ layer, channel });

/** A finder returning `circuits` for every query, class 0 predicted. */
const finderOf = (circuits: CircuitResultLike['circuits']): FinderFactory => async () => ({
  find: async (q) => ({ query: { ...('index' in q ? { index: q.index } : {}), image: 'x', predicted: [{ class: 0, logit: 0, prob: 1 }, { class: 1, logit: 0, prob: 0 }] }, layers, circuits }),
  close: async () => {},
});

before(async () => {
  hand = await handRun();
  layers = [{ id: hand.a, channels: 6 }, { id: hand.b, channels: 4 }];
  const edge = (f: number, t: number) => ({ from: node(hand.a, f), to: node(hand.b, t), sensitivity: 0.5, sfs: 0.5 });
  planted = { id: 'planted', root: node(hand.a, 0), nodes: [node(hand.a, 0), node(hand.a, 1), node(hand.b, 0), node(hand.b, 1)], edges: [edge(0, 0), edge(1, 1)] };
  decoy = { id: 'decoy', root: node(hand.a, 4), nodes: [node(hand.a, 4), node(hand.b, 3)], edges: [edge(4, 3)] };
});

test('each circuit alone: the planted circuit ranks first whatever the input order; union and per-circuit both reported', async () => {
  const { result } = await evaluateCircuits({ run: hand.run, queries: [0, 1, 2, 3], draws: 4, threads: 1, finder: finderOf([decoy, planted]), out: join(hand.dir, 'e.json') });
  assert.deepEqual(result.protocol.ablation.modes, ['zero', 'mean'], 'both modes by default, zero primary');
  for (const q of result.queries) {
    const checks = q.circuitChecks!;
    assert.deepEqual(checks.map((c) => [c.id, c.rank]), [['planted', 1], ['decoy', 2]]);
    assert.equal(checks[0]!.random.values.length, 4);
    const predicted = q.predicted as { original: number; drop: { circuit: number } };
    // Zeroing a0, a1 (and b0, b1) removes all of 3·b0 + 3·b1; the decoy only 0.1·b3.
    assert.ok(checks[0]!.drop > 10 * checks[1]!.drop);
    assert.ok(q.predicted && predicted.drop.circuit >= checks[0]!.drop - 1e-5, 'the union drops at least as much as its largest circuit');
    assert.equal(q.alternate?.mode, 'mean');
    assert.equal(q.alternate?.circuitChecks.length, 2);
  }
  const per = result.summary.perCircuit;
  assert.equal(per.circuits, 8);
  assert.equal(per.queries, 4);
  assert.ok(per.drop.ci[0] <= per.drop.mean && per.drop.mean <= per.drop.ci[1]);
  // The planted circuit beats random sets of its sizes on every query; the decoy never does.
  for (const q of result.queries) {
    const [p, d] = q.circuitChecks!;
    assert.ok(p!.drop > p!.random.mean && d!.drop < d!.random.mean);
  }
  assert.equal(per.beatsRandom, 0.5);
  assert.ok(Math.abs(per.difference.mean - (per.drop.mean - per.random.mean)) < 1e-9);
  assert.equal(result.summary.alternate?.mode, 'mean');
  assert.match(formatEvalTable(result), /each circuit alone \(8 circuits of 4 queries/);
  const zeroOnly = await evaluateCircuits({ run: hand.run, queries: [0], draws: 2, threads: 1, ablation: 'zero', finder: finderOf([planted]), out: join(hand.dir, 'z.json') });
  assert.equal(zeroOnly.result.summary.alternate, undefined);
  assert.equal(zeroOnly.result.queries[0]!.alternate, undefined);
});

test('mean vs zero ablation: the logit moves by the deviation from the dataset mean, not by the whole value', async () => {
  const manifest = await runManifest(hand.run);
  const C = 4;
  const acts = (await readNpy(join(hand.run, manifest.artifacts.find((x) => x.role === 'activations' && x.layer === hand.b && x.pooling === 'mean')!.path))).data as Float32Array;
  const means = await runLayerMeans(hand.run);
  const images = acts.length / C;
  const colMean = Array.from({ length: C }, (_, c) => Array.from({ length: images }, (_, i) => acts[i * C + c]!).reduce((s, v) => s + v, 0) / images);
  colMean.forEach((m, c) => assert.ok(Math.abs(means[hand.b]![c]! - m) < 1e-5));
  const ablation = await openRunAblation(hand.run, { threads: 1, withMeans: true });
  try {
    const q = 5;
    const [orig, zero, mean] = await ablation.ablator.run(await ablation.loadImage({ index: q }), [{ neurons: [] }, { neurons: [node(hand.b, 0)] }, { neurons: [node(hand.b, 0)], mean: true }]);
    // GAP(b0) is the image's mean pooling of b0; class 0 weighs it by 3.
    const b0 = acts[q * C]!;
    assert.ok(Math.abs(orig![0]! - zero![0]! - 3 * b0) < 1e-4);
    assert.ok(Math.abs(orig![0]! - mean![0]! - 3 * (b0 - colMean[0]!)) < 1e-4);
  } finally {
    await ablation.close();
  }
  await assert.rejects(evaluateCircuits({ run: hand.run, queries: [0], threads: 1, ablation: 'half' as never, finder: finderOf([planted]) }), /--ablation must be zero, mean or both, got "half"/);
});

test('completeness: keeping only the planted circuit restores its closed-form share; random kept sets less', async () => {
  const { result } = await evaluateCircuits({ run: hand.run, queries: [2, 7], draws: 6, threads: 1, ablation: 'zero', finder: finderOf([planted]), out: join(hand.dir, 'c.json') });
  const manifest = await runManifest(hand.run);
  const acts = (await readNpy(join(hand.run, manifest.artifacts.find((x) => x.role === 'activations' && x.layer === hand.b && x.pooling === 'mean')!.path))).data as Float32Array;
  for (const q of result.queries) {
    const check = q.circuitChecks![0]!;
    const original = (q.predicted as { original: number }).original;
    // Keeping a0, a1, b0, b1: class 0 = 3·b0 + 3·b1 (GAPs); floor (a and b all zeroed) = 0.
    const [b0, b1] = [acts[q.index * 4]!, acts[q.index * 4 + 1]!];
    const retained = check.completeness.retained;
    assert.ok(retained !== null);
    assert.ok(Math.abs(retained - (3 * b0 + 3 * b1) / original) < 1e-4);
    assert.ok(Math.abs(check.completeness.floor) < 1e-5);
    assert.ok(retained > 0.9 && retained <= 1 + 1e-6);
    assert.ok(Math.abs(retained - check.completeness.logit / original) < 1e-5);
    assert.ok(check.completeness.random.mean < retained);
  }
  assert.equal(result.summary.perCircuit.completeness.circuits, 2);
  // Where ablating the whole layers barely moves the logit, no share is defined (nor summarised).
  const plan = { id: 'c', seed: 1, nodes: [], perLayer: {}, random: [[]], keep: [], keepRandom: [[]], all: [] };
  const rows = [4, 1, 3.9, 3.5, 3.7, 3.8].map((v) => Float32Array.of(v));
  const [undefinedShare] = readCircuitChecks([plan], rows, 1, 0);
  assert.equal(undefinedShare!.completeness.retained, null);
  assert.deepEqual(undefinedShare!.completeness.random.values, []);
  assert.equal(summariseCircuits([[undefinedShare!]], 0).completeness.circuits, 0);
  const planFor = planCircuits({ query: { image: 'x', predicted: [] }, layers, circuits: [planted] }, { seed: 1, draws: 3 })[0]!;
  assert.deepEqual(planFor.keep.map((n) => `${n.layer === hand.a ? 'a' : 'b'}${n.channel}`), ['a2', 'a3', 'a4', 'a5', 'b2', 'b3']);
  assert.equal(planFor.all.length, 10);
  planFor.random.forEach((r) => assert.equal(r.length, 4));
});

test('bootstrap interval: seeded, contains the mean, narrows with more queries', () => {
  const xs = Array.from({ length: 40 }, (_, i) => (i % 7) - 3 + 0.1 * i);
  const mean = (s: readonly number[]) => s.reduce((a, b) => a + b, 0) / s.length;
  const ci = bootstrapInterval(xs, mean, 3);
  assert.deepEqual(ci, bootstrapInterval(xs, mean, 3));
  assert.ok(ci[0] < mean(xs) && mean(xs) < ci[1]);
  const wide = bootstrapInterval(xs.slice(0, 8), mean, 3);
  assert.ok(wide[1] - wide[0] > ci[1] - ci[0]);
});

test('naming: the most over-represented cluster names a neuron; a large mixed cluster or a coincidence does not', () => {
  // 300 images; a neuron's top 30 are images 0..29. "soccer ball" holds 25 of them in 40 images;
  // "armenia flag" holds all 30, but in 200 images (its overlap is mostly its size).
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  const top = range(0, 30);
  const ball = { id: 'L1.0', caption: 'soccer ball', images: new Set([...range(5, 30), ...range(100, 115)]) };
  const flag = { id: 'L3.0', caption: 'armenia flag', images: new Set(range(0, 200)) };
  const pair = { id: 'L1.1', caption: 'dog face', images: new Set([0, 1, 290]) };
  assert.equal(neuronConcept(top, [flag, ball, pair], 300)?.caption, 'soccer ball');
  assert.equal(neuronConcept(top, [flag, ball, pair], 300)?.overlap, 25);
  assert.equal(neuronConcept(top, [pair], 300)?.caption, 'dog face', 'two of three images of a tiny cluster is significant against one cluster');
  // The same pair among many clusters is not: the Bonferroni bound tightens.
  const many = [pair, ...range(0, 200).map((i) => ({ id: `x${i}`, caption: `other ${i}`, images: new Set([299 - (i % 50)]) }))];
  assert.equal(neuronConcept(top, many, 300), undefined);
  assert.ok(Math.abs(hypergeometricTail(10, 5, 2, 2) - 10 / 45) < 1e-12);
  assert.equal(hypergeometricTail(10, 5, 2, 0), 1);
});

test('annotate: the planted circuit is ranked first by its measured effect and named by the concept its neurons share', async () => {
  const real = await loadReference(hand.run, [hand.a, hand.b]);
  // A 300-image reference with controlled top sets: the planted neurons' tops lie in "soccer ball".
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  const reference = { ...real, images: 300, layers: real.layers.map((l, li) => ({ ...l, images: 300, T10: l.T10.map((_, c) => Int32Array.from(range(30 * (li * 6 + c), 30 * (li * 6 + c) + 30).map((i) => ((li === 0 && c < 2) || (li === 1 && c < 2) ? i % 40 : i) % 300))) })) };
  mkdirSync(join(hand.run, 'concepts'), { recursive: true });
  const clusters = [
    { id: 'L2.0', caption: 'armenia flag', images: range(0, 200) },
    { id: 'L1.0', caption: 'soccer ball', images: range(0, 40) },
  ];
  writeFileSync(join(hand.run, 'concepts', `${hand.b}.json`), JSON.stringify({ format: 'neurolens-concepts', clusters }));
  const concepts = await loadConceptSets(hand.run);
  assert.equal(concepts.length, 2);
  const full = (c: CircuitResultLike['circuits'][number]) => ({ ...c, id: String(c.id), root: c.root as never, nodes: c.nodes.map((n) => ({ layer: String(n.layer), channel: n.channel, region: { x: 0, y: 0, width: 4, height: 4 }, act: 1 })), edges: c.edges as never, summary: { nodes: c.nodes.length, edges: c.edges.length, layers: [0, 0], meanSensitivity: 0.5 } });
  const result: CircuitQueryResult = { query: { index: 1, image: 'x', predicted: [{ class: 0, logit: 0, prob: 1 }] }, percentile: 90, layers, roots: [], circuits: [full(decoy), full(planted)], diagnostics: { sources: 0, edgesConsidered: 0, seconds: 0 } };
  const ablation = await openRunAblation(hand.run, { threads: 1 });
  try {
    const annotated = await annotateCircuits(result, { ablator: ablation.ablator, image: await ablation.loadImage({ index: 1 }), reference, concepts });
    const [first, second] = annotated.circuits;
    assert.equal(first!.id, 'planted');
    assert.equal(first!.effect?.rank, 1);
    assert.ok(first!.effect!.drop > second!.effect!.drop);
    assert.deepEqual({ caption: first!.concept?.caption, neurons: first!.concept?.neurons, of: first!.concept?.of }, { caption: 'soccer ball', neurons: 4, of: 4 });
    assert.ok(first!.concept!.p < 1e-10);
    // Each circuit against random sets of its sizes: the draws `circuits eval` makes for this query,
    // so the circuit file and eval.json agree; the planted circuit passes, the decoy does not.
    const { result: evaluated } = await evaluateCircuits({ run: hand.run, queries: [1], threads: 1, ablation: 'zero', finder: finderOf([decoy, planted]), out: join(hand.dir, 'a.json') });
    for (const c of annotated.circuits) {
      const check = evaluated.queries[0]!.circuitChecks!.find((x) => x.id === c.id)!;
      assert.equal(c.effect!.random!.values.length, 10);
      c.effect!.random!.values.forEach((v, d) => assert.ok(Math.abs(v - check.random.values[d]!) < 1e-5, `${c.id} draw ${d}`));
      assert.deepEqual(c.effect!.verdict, check.verdict);
    }
    assert.equal(first!.effect!.verdict!.pass, true);
    assert.equal(second!.effect!.verdict!.pass, false);
  } finally {
    await ablation.close();
  }
});
