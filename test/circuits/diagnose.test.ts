// Circuit diagnosis on a hand-weighted model: inhibiting a circuit that feeds a class with positive
// weights lowers that class's logit, stimulating it (×2) raises it; the ranking puts the circuit that
// favours the predicted class over the target first; the result file and the target choices.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import sharp from 'sharp';
import type { CircuitResultLike } from '../../src/circuits/common.js';
import { diagnoseQuery, formatDiagnosis, queryStem, resolveClass } from '../../src/circuits/diagnose.js';
import type { FinderFactory } from '../../src/circuits/eval.js';
import { GraphBuilder, floatAttr } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { runManifest } from '../run/helpers.js';
import { record } from '../../src/record/recorder.js';

/**
 * input [N,3,4,4] → a = Relu(1 + 0.1·x_{c mod 3}) (4 channels, ≈ 1) → b = Relu(a) (identity 1×1
 * conv) → GAP → class 0 ("ball") = 3·b0 + b1, class 1 ("dog") = b2 + b3. Circuit "ball" = {a0, b0}
 * feeds class 0, circuit "dog" = {a2, b2} feeds class 1; every weight is positive.
 */
async function handRun(): Promise<{ dir: string; run: string; a: string; b: string }> {
  const g = new GraphBuilder({ name: 'hand-diagnosis' });
  const x = g.input('input', ['batch', 3, 4, 4]);
  const w1 = new Float32Array(12);
  for (let c = 0; c < 4; c++) w1[c * 3 + (c % 3)] = 0.1;
  const a = g.node('Relu', [g.node('Conv', [x, g.initializer('a.weight', w1, [4, 3, 1, 1]), g.initializer('a.bias', new Float32Array(4).fill(1), [4])], { kernel_shape: [1, 1] }, { name: '/a/Conv' })], {}, { name: '/a/Relu' });
  const eye = new Float32Array(16);
  for (let c = 0; c < 4; c++) eye[c * 5] = 1;
  const b = g.node('Relu', [g.node('Conv', [a, g.initializer('b.weight', eye, [4, 4, 1, 1])], { kernel_shape: [1, 1] }, { name: '/b/Conv' })], {}, { name: '/b/Relu' });
  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [b], {}, { name: '/pool/GlobalAveragePool' })], { axis: 1 }, { name: '/Flatten' });
  const fc = Float32Array.from([3, 1, 0, 0, 0, 0, 1, 1]);
  g.output(g.node('Gemm', [pooled, g.initializer('fc.weight', fc, [2, 4]), g.initializer('fc.bias', new Float32Array(2), [2])], { alpha: floatAttr(1), beta: floatAttr(1), transB: 1 }, { name: '/fc/Gemm', outputs: ['logits'] }), ['batch', 2]);
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-circuits-diagnose-'));
  writeFileSync(join(dir, 'model.onnx'), encodeModel(g.build()));
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ classNames: ['ball', 'dog'], mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], resize: 'stretch' }));
  for (let i = 0; i < 6; i++) {
    const raw = Buffer.alloc(4 * 4 * 3);
    for (let p = 0; p < raw.length; p++) raw[p] = (p * (i + 5) * 29 + i * 17) % 256;
    await sharp(raw, { raw: { width: 4, height: 4, channels: 3 } }).png().toFile(join(dir, `img${i}.png`));
  }
  const run = join(dir, 'run');
  await record({ model: join(dir, 'model.onnx'), images: dir, out: run, layers: [a, b], poolings: ['mean', 'top10'], threads: 1 });
  const manifest = await runManifest(run);
  return { dir, run, a: manifest.layers[0]!.id, b: manifest.layers[1]!.id };
}

let hand: Awaited<ReturnType<typeof handRun>>;
let finder: FinderFactory;

before(async () => {
  hand = await handRun();
  const node = (layer: string, channel: number) => ({ layer, channel });
  const circuit = (id: string, c: number) => ({ id, root: node(hand.a, c), nodes: [node(hand.a, c), node(hand.b, c)], edges: [{ from: node(hand.a, c), to: node(hand.b, c), sensitivity: 1, sfs: 1 }] });
  // "dog" first, so the ranking (not the input order) must put "ball" on top.
  const circuits: CircuitResultLike['circuits'] = [circuit('dog', 2), circuit('ball', 0)];
  const layers = [{ id: hand.a, channels: 4 }, { id: hand.b, channels: 4 }];
  finder = async () => ({
    find: async (q) => ({ query: { ...('index' in q ? { index: q.index } : {}), image: 'index' in q ? `img${q.index}.png` : q.image, predicted: [{ class: 0, label: 'ball', logit: 0, prob: 1 }] }, layers, circuits }),
    close: async () => {},
  });
});

test('signs: inhibiting a positive-weight circuit lowers its class, stimulating raises it; ranking', async () => {
  const { diagnosis, path } = await diagnoseQuery({ run: hand.run, query: { index: 2 }, threads: 1, finder });
  assert.equal(path, join(hand.run, 'circuits', 'img2.diagnosis.json'));
  assert.ok(existsSync(path));
  assert.equal(diagnosis.predicted.class, 0);
  assert.equal(diagnosis.target.class, 1, 'the runner-up is the default target');
  assert.equal(diagnosis.target.chosen, 'runner-up');
  const [first, second] = diagnosis.circuits;
  assert.equal(first!.id, 'ball');
  assert.equal(first!.rank, 1);
  assert.ok(first!.inhibit.predicted < 0, 'inhibiting the ball circuit lowers ball');
  assert.ok(first!.stimulate.predicted > 0, 'stimulating it raises ball');
  assert.ok(Math.abs(first!.inhibit.target) < 1e-5, 'and leaves dog alone');
  // Class 0 gets 3·b0; zeroing takes 3·b0 off. ×2 on a0 and again on b0 = Relu(a0) compounds to
  // 4·b0, adding 3·(3·b0): the stimulated change is −3 × the inhibited one.
  assert.ok(Math.abs(first!.stimulate.predicted + 3 * first!.inhibit.predicted) < 1e-4);
  assert.equal(second!.id, 'dog');
  assert.ok(second!.inhibit.target < 0 && second!.stimulate.target > 0);
  assert.ok(second!.score < 0 && first!.score > 0);
  assert.match(formatDiagnosis(diagnosis), /predicted ball \(0\).*target dog \(1\)/);
});

test('stimulate factor, target by name, target = predicted, image queries', async () => {
  const three = await diagnoseQuery({ run: hand.run, query: { index: 1 }, stimulate: 3, target: 'dog', threads: 1, finder, out: join(hand.dir, 'd.json') });
  const two = await diagnoseQuery({ run: hand.run, query: { index: 1 }, threads: 1, finder, out: join(hand.dir, 'd2.json') });
  const ball = (d: typeof three) => d.diagnosis.circuits.find((c) => c.id === 'ball')!;
  // ×3 twice along the circuit: (9 − 1)·3·b0 against (4 − 1)·3·b0 for ×2.
  assert.ok(Math.abs(3 * ball(three).stimulate.predicted - 8 * ball(two).stimulate.predicted) < 1e-4);
  assert.equal(three.diagnosis.target.chosen, 'given');
  const same = await diagnoseQuery({ run: hand.run, query: { index: 1 }, target: 0, threads: 1, finder, out: join(hand.dir, 'd3.json') });
  assert.equal(same.diagnosis.circuits[0]!.id, 'ball', 'target = predicted ranks by the predicted drop');
  const byImage = await diagnoseQuery({ run: hand.run, query: { image: join(hand.dir, 'img3.png') }, threads: 1, finder });
  assert.equal(byImage.path, join(hand.run, 'circuits', 'img3.diagnosis.json'));
  assert.equal(queryStem({ image: '/x/my dog.jpg' }), 'my_dog');
  assert.equal(resolveClass('1', ['ball', 'dog'], 2), 1);
  assert.throws(() => resolveClass('cat', ['ball', 'dog'], 2), /--target "cat" is not a class of the model/);
  await assert.rejects(diagnoseQuery({ run: hand.run, query: { index: 0 }, target: 7, threads: 1, finder }), /use an index 0 to 1/);
});

test('planted misclassification: the circuit that narrows the margin is chosen; without one the verdict says so', async () => {
  // Every image is predicted "ball" (3·b0 + b1 ≈ 4 against b2 + b3 ≈ 2): with "dog" as the truth,
  // inhibiting the ball circuit narrows the margin, inhibiting the dog circuit widens it.
  const { diagnosis } = await diagnoseQuery({ run: hand.run, query: { index: 4 }, target: 'dog', threads: 1, finder, out: join(hand.dir, 'planted.json') });
  const margin = diagnosis.predicted.logit - diagnosis.target.logit;
  assert.ok(margin > 0);
  assert.equal(diagnosis.verdict.best, 'ball');
  assert.equal(diagnosis.verdict.narrowing, 1);
  assert.equal(diagnosis.verdict.measure, 'margin');
  assert.ok(Math.abs(diagnosis.verdict.margin - margin) < 1e-6);
  const ball = diagnosis.circuits.find((c) => c.id === 'ball')!;
  const dog = diagnosis.circuits.find((c) => c.id === 'dog')!;
  assert.ok(ball.narrows && !dog.narrows, 'only the ball circuit narrows the margin');
  assert.equal(diagnosis.verdict.narrowedBy, ball.score);
  assert.match(diagnosis.verdict.text, /^circuit ball narrows the margin predicted − target most: inhibiting it lowers it by \d+\.\d{3} of \d+\.\d{3} \(\d+ %\); 1 of 2 circuit\(s\) narrow it$/);
  assert.match(formatDiagnosis(diagnosis), /circuit ball narrows the margin/);

  // Only the dog circuit: inhibiting it lowers dog and widens the margin, so nothing explains "ball".
  const dogOnly: FinderFactory = async (run, options) => {
    const inner = await finder(run, options);
    return { find: async (q) => ({ ...(await inner.find(q)), circuits: (await inner.find(q)).circuits.filter((c) => c.id === 'dog') }), close: inner.close };
  };
  const none = await diagnoseQuery({ run: hand.run, query: { index: 4 }, target: 'dog', threads: 1, finder: dogOnly, out: join(hand.dir, 'none.json') });
  assert.equal(none.diagnosis.verdict.best, null);
  assert.equal(none.diagnosis.verdict.narrowing, 0);
  assert.ok(none.diagnosis.circuits[0]!.score < 0 && !none.diagnosis.circuits[0]!.narrows);
  assert.match(none.diagnosis.verdict.text, /^no circuit narrows the margin predicted − target \(\d+\.\d{3}\): inhibiting any of the 1 circuit\(s\) leaves it as wide or wider/);
});

test('mean ablation in a diagnosis replaces the circuit by its dataset mean', async () => {
  const zero = await diagnoseQuery({ run: hand.run, query: { index: 3 }, target: 'dog', threads: 1, finder, out: join(hand.dir, 'z.json') });
  const mean = await diagnoseQuery({ run: hand.run, query: { index: 3 }, target: 'dog', ablation: 'mean', threads: 1, finder, out: join(hand.dir, 'm.json') });
  assert.equal(mean.diagnosis.protocol.ablation, 'mean');
  const ball = (d: typeof zero) => d.diagnosis.circuits.find((c) => c.id === 'ball')!;
  // b0 ≈ 1 everywhere: zeroing removes ≈ 3, replacing by the mean removes only the deviation.
  assert.ok(Math.abs(ball(mean).inhibit.predicted) < Math.abs(ball(zero).inhibit.predicted) / 5);
  await assert.rejects(diagnoseQuery({ run: hand.run, query: { index: 3 }, ablation: 'half' as never, threads: 1, finder }), /--ablation must be zero or mean for a diagnosis, got "half"/);
});
