// trainMultiConcept: independent sigmoids and a softmax over exclusive classes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NeurolensError } from '../../src/errors.js';
import { trainLogistic } from '../../src/probes/logistic.js';
import { trainMultiConcept } from '../../src/probes/multi.js';
import { stratifiedSplit } from '../../src/probes/split.js';
import type { Matrix } from '../../src/probes/types.js';
import { Random } from '../../src/util/random.js';

const IMAGES = 2400;
const NEURONS = 30;

/** Three exclusive classes; class k raises neurons 2k and 2k + 1 by 2. */
function exclusive(seed = 1): { X: Matrix; classes: Int32Array } {
  const rng = new Random(seed);
  const classes = new Int32Array(IMAGES);
  const data = new Float32Array(IMAGES * NEURONS);
  for (let i = 0; i < IMAGES; i++) {
    const k = rng.int(3);
    classes[i] = k;
    for (let j = 0; j < NEURONS; j++) data[i * NEURONS + j] = rng.normal();
    data[i * NEURONS + 2 * k] += 2;
    data[i * NEURONS + 2 * k + 1] += 2;
  }
  return { X: { data, rows: IMAGES, cols: NEURONS }, classes };
}

/** Two overlapping (multi-label) concepts on neurons 0 and 5. */
function multiLabel(seed = 2): { X: Matrix; Y: Uint8Array[] } {
  const rng = new Random(seed);
  const Y = [new Uint8Array(IMAGES), new Uint8Array(IMAGES)];
  const data = new Float32Array(IMAGES * NEURONS);
  for (let i = 0; i < IMAGES; i++) {
    for (let j = 0; j < NEURONS; j++) data[i * NEURONS + j] = rng.normal();
    Y[0]![i] = data[i * NEURONS]! + 0.5 * rng.normal() > 0.5 ? 1 : 0;
    Y[1]![i] = data[i * NEURONS + 5]! - data[i * NEURONS + 6]! + 0.5 * rng.normal() > 0 ? 1 : 0;
  }
  return { X: { data, rows: IMAGES, cols: NEURONS }, Y };
}

test('softmax over exclusive classes: high argmax accuracy, each class on its own neurons', () => {
  const { X, classes } = exclusive();
  const split = stratifiedSplit(classes, { seed: 0 });
  const r = trainMultiConcept(X, classes, split, { exclusive: true });
  assert.equal(r.concepts, 3);
  assert.equal(r.weights.length, 3 * NEURONS);
  assert.equal(r.bias.length, 3);
  assert.ok(r.classAccuracy!.test > 0.8, `argmax accuracy ${r.classAccuracy!.test}`);
  for (let k = 0; k < 3; k++) {
    const row = [...r.weights.subarray(k * NEURONS, (k + 1) * NEURONS)];
    const top = [...row.keys()].sort((a, b) => row[b]! - row[a]!).slice(0, 2).sort((a, b) => a - b);
    assert.deepEqual(top, [2 * k, 2 * k + 1], `class ${k}`);
    assert.ok(r.metrics[k]!.test.auc > 0.9, `class ${k} one-vs-rest AUC ${r.metrics[k]!.test.auc}`);
  }
  // The same classes as 0/1 vectors with exactly one 1 per image give the same model.
  const Y = [0, 1, 2].map((k) => Uint8Array.from(classes, (c) => (c === k ? 1 : 0)));
  const again = trainMultiConcept(X, Y, split, { exclusive: true });
  assert.deepEqual(Buffer.from(again.weights.buffer), Buffer.from(r.weights.buffer));
});

test('independent sigmoids equal separate logistic probes', () => {
  const { X, Y } = multiLabel();
  const split = stratifiedSplit(Int32Array.from(Y[0]!), { seed: 3 });
  const options = { earlyStopping: false, tolerance: 1e-13, maxEpochs: 1000, l2: 1e-2 };
  const joint = trainMultiConcept(X, Y, split, { exclusive: false, ...options });
  assert.equal(joint.classAccuracy, undefined);
  for (let c = 0; c < 2; c++) {
    const alone = trainLogistic(X, Y[c]!, split, options);
    for (let j = 0; j < NEURONS; j++) {
      const a = joint.weights[c * NEURONS + j]!;
      assert.ok(Math.abs(a - alone.weights[j]!) < 1e-4, `concept ${c}, neuron ${j}: ${a} vs ${alone.weights[j]}`);
    }
    assert.ok(Math.abs(joint.bias[c]! - alone.bias) < 1e-4);
    assert.ok(Math.abs(joint.metrics[c]!.test.auc - alone.metrics.test.auc) < 1e-3);
    assert.ok(joint.metrics[c]!.test.auc > 0.9);
  }
});

test('exclusive concepts must be exclusive; deterministic', () => {
  const { X, Y } = multiLabel();
  const split = stratifiedSplit(Int32Array.from(Y[0]!), { seed: 3 });
  assert.throws(
    () => trainMultiConcept(X, Y, split, { exclusive: true }),
    (e: unknown) => e instanceof NeurolensError && /image \d+ has [02] concepts set but exclusive concepts need exactly one/.test(e.message) && !e.message.includes('\n'),
  );
  assert.throws(() => trainMultiConcept(X, Int32Array.from({ length: IMAGES }, () => -1), split, { exclusive: true }), /class label 0 is -1/);
  const a = trainMultiConcept(X, Y, split, { exclusive: false });
  const b = trainMultiConcept(X, Y, split, { exclusive: false });
  assert.deepEqual(Buffer.from(a.weights.buffer), Buffer.from(b.weights.buffer));
  assert.deepEqual(Buffer.from(a.bias.buffer), Buffer.from(b.bias.buffer));
});
