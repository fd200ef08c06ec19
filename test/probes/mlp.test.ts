// trainMlp: an XOR concept no linear probe reads, joint / per-concept networks, determinism.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trainLogistic } from '../../src/probes/logistic.js';
import { trainMlp } from '../../src/probes/mlp.js';
import { stratifiedSplit } from '../../src/probes/split.js';
import type { Matrix } from '../../src/probes/types.js';
import { Random } from '../../src/util/random.js';

const IMAGES = 3000;
const NEURONS = 8;

/** y = (x0 > 0) XOR (x1 > 0) — the other concept is linear: x2 > 0. */
function xor(seed = 1): { X: Matrix; y: Uint8Array; linear: Uint8Array } {
  const rng = new Random(seed);
  const data = new Float32Array(IMAGES * NEURONS);
  const y = new Uint8Array(IMAGES);
  const linear = new Uint8Array(IMAGES);
  for (let i = 0; i < IMAGES; i++) {
    for (let j = 0; j < NEURONS; j++) data[i * NEURONS + j] = rng.normal();
    y[i] = (data[i * NEURONS]! > 0) !== (data[i * NEURONS + 1]! > 0) ? 1 : 0;
    linear[i] = data[i * NEURONS + 2]! > 0 ? 1 : 0;
  }
  return { X: { data, rows: IMAGES, cols: NEURONS }, y, linear };
}

test('XOR: the linear probe is at chance, the MLP solves it', () => {
  const { X, y } = xor();
  const split = stratifiedSplit(Int32Array.from(y), { seed: 0 });
  const linear = trainLogistic(X, y, split);
  assert.ok(linear.metrics.test.auc > 0.4 && linear.metrics.test.auc < 0.6, `linear AUC ${linear.metrics.test.auc}`);
  const mlp = trainMlp(X, y, split, { hidden: 16 });
  assert.equal(mlp.metrics.length, 1);
  assert.ok(mlp.metrics[0]!.test.auc >= 0.9, `MLP AUC ${mlp.metrics[0]!.test.auc}`);
  assert.ok(mlp.metrics[0]!.test.accuracy >= 0.85, `MLP accuracy ${mlp.metrics[0]!.test.accuracy}`);
  assert.equal(mlp.epochs.length, 1);
  assert.ok(mlp.epochs[0]! >= 1 && mlp.epochs[0]! <= 200);
  assert.ok(Number.isFinite(mlp.bestValidationLoss[0]!));
});

test('joint network vs one network per concept; exclusive classes through a softmax', () => {
  const { X, y, linear } = xor(2);
  const split = stratifiedSplit(Int32Array.from(y), { seed: 1 });
  const separate = trainMlp(X, [y, linear], split, { hidden: 16 });
  const joint = trainMlp(X, [y, linear], split, { hidden: 16, joint: true });
  assert.equal(separate.epochs.length, 2);
  assert.equal(joint.epochs.length, 1);
  for (const r of [separate, joint]) {
    assert.equal(r.metrics.length, 2);
    assert.ok(r.metrics[0]!.test.auc >= 0.9 && r.metrics[1]!.test.auc >= 0.95, r.metrics.map((m) => m.test.auc).join(' '));
  }
  const classes = Int32Array.from(y, (v, i) => v * 2 + linear[i]!); // 4 exclusive classes
  const soft = trainMlp(X, classes, stratifiedSplit(classes, { seed: 1 }), { hidden: 16 });
  assert.equal(soft.metrics.length, 4);
  assert.ok(soft.classAccuracy!.test >= 0.8, `argmax accuracy ${soft.classAccuracy!.test}`);
});

test('early stopping and determinism: the same seed gives the same result', () => {
  const { X, y } = xor(3);
  const split = stratifiedSplit(Int32Array.from(y), { seed: 2 });
  const progress: number[] = [];
  const a = trainMlp(X, y, split, { hidden: 8, seed: 4, patience: 2, maxEpochs: 100, onProgress: (p) => progress.push(p.validationLoss) });
  const b = trainMlp(X, y, split, { hidden: 8, seed: 4, patience: 2, maxEpochs: 100 });
  assert.deepEqual(a, b);
  assert.equal(progress.length, a.epochs[0]);
  assert.equal(Math.min(...progress), a.bestValidationLoss[0]);
  if (a.epochs[0]! < 100) {
    const bestAt = progress.indexOf(a.bestValidationLoss[0]!);
    assert.equal(progress.length - 1 - bestAt, 2, 'stops `patience` epochs after the best');
  }
  const c = trainMlp(X, y, split, { hidden: 8, seed: 5, patience: 2, maxEpochs: 100 });
  assert.notDeepEqual(c.bestValidationLoss, a.bestValidationLoss);
});
