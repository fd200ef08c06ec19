// singleNeuronProbes on synthetic activations with planted concept neurons.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trainLogistic } from '../../src/probes/logistic.js';
import { metrics } from '../../src/probes/metrics.js';
import { singleNeuronProbes } from '../../src/probes/single.js';
import { shuffleLabels, stratifiedSplit } from '../../src/probes/split.js';
import type { Matrix } from '../../src/probes/types.js';
import { Random } from '../../src/util/random.js';

const IMAGES = 2000;
const NEURONS = 24;

/** Concept c (≈ 20 % of images) shifts neuron 4c by +3, except concept 2 which shifts neuron 8 by −3. */
function planted(seed = 1): { X: Matrix; Y: Uint8Array[] } {
  const rng = new Random(seed);
  const Y = Array.from({ length: 3 }, () => new Uint8Array(IMAGES));
  const data = new Float32Array(IMAGES * NEURONS);
  for (let i = 0; i < IMAGES; i++) {
    for (let j = 0; j < NEURONS; j++) data[i * NEURONS + j] = rng.normal() * 2 + 5;
    for (let c = 0; c < 3; c++) {
      if (rng.next() < 0.2) {
        Y[c]![i] = 1;
        data[i * NEURONS + 4 * c] += c === 2 ? -6 : 6;
      }
    }
  }
  return { X: { data, rows: IMAGES, cols: NEURONS }, Y };
}

test('the planted neuron ranks first for its concept with test AUC ≥ 0.95; the sign follows the shift', () => {
  const { X, Y } = planted();
  const split = stratifiedSplit(Int32Array.from(Y[0]!), { seed: 0 });
  const r = singleNeuronProbes(X, Y, split);
  assert.equal(r.auc.length, 3 * NEURONS);
  for (let c = 0; c < 3; c++) {
    const row = [...r.auc.subarray(c * NEURONS, (c + 1) * NEURONS)];
    const best = row.indexOf(Math.max(...row));
    assert.equal(best, 4 * c, `concept ${c}: best neuron ${best}`);
    assert.ok(row[best]! >= 0.95, `concept ${c}: AUC ${row[best]}`);
    const others = row.filter((_, j) => j !== best);
    assert.ok(Math.max(...others) < 0.6, `concept ${c}: an unrelated neuron reached ${Math.max(...others)}`);
    assert.ok(r.accuracy[c * NEURONS + best]! > 0.9);
    assert.ok(r.balancedAccuracy[c * NEURONS + best]! > 0.85);
  }
  assert.ok(r.weight[0 * NEURONS + 0]! > 1, 'positive shift → positive weight');
  assert.ok(r.weight[2 * NEURONS + 8]! < -1, 'negative shift → negative weight');
  assert.ok(Math.max(...r.iterations) <= 25 && Math.min(...r.iterations) >= 2);
});

test('the fits are optimal: zero gradient, and the same as trainLogistic on one neuron', () => {
  const { X, Y } = planted();
  const split = stratifiedSplit(Int32Array.from(Y[1]!), { seed: 2 });
  const l2 = 1e-2;
  const r = singleNeuronProbes(X, Y, split, { l2, tolerance: 1e-10 });
  for (const j of [0, 4, 5]) {
    const w = r.weight[NEURONS + j]!;
    const b = r.bias[NEURONS + j]!;
    let gb = 0;
    let gw = 0;
    for (const row of split.train) {
      const h = (X.data[row * NEURONS + j]! - r.mean[j]!) / r.std[j]!;
      const p = 1 / (1 + Math.exp(-(w * h + b)));
      gb += p - Y[1]![row]!;
      gw += (p - Y[1]![row]!) * h;
    }
    gb /= split.train.length;
    gw = gw / split.train.length + l2 * w;
    assert.ok(Math.abs(gb) < 1e-5 && Math.abs(gw) < 1e-5, `neuron ${j}: gradient (${gw}, ${gb})`);
    // The same model fitted by the multi-neuron code (L-BFGS) on the single column.
    const column = { data: Float32Array.from({ length: IMAGES }, (_, i) => X.data[i * NEURONS + j]!), rows: IMAGES, cols: 1 };
    const ref = trainLogistic(column, Y[1]!, split, { l2, earlyStopping: false, tolerance: 1e-14, maxEpochs: 500 });
    assert.ok(Math.abs(ref.weights[0]! - w) < 1e-4 * (1 + Math.abs(w)), `neuron ${j}: w ${w} vs ${ref.weights[0]}`);
    assert.ok(Math.abs(ref.bias - b) < 1e-4 * (1 + Math.abs(b)), `neuron ${j}: b ${b} vs ${ref.bias}`);
    assert.ok(Math.abs(ref.metrics.test.auc - r.auc[NEURONS + j]!) < 1e-6);
  }
});

test('a perfectly separating neuron with a weak penalty still converges to the optimum', () => {
  const n = 400;
  const data = new Float32Array(n * 2);
  const y = new Uint8Array(n);
  const rng = new Random(3);
  for (let i = 0; i < n; i++) {
    y[i] = i % 5 === 0 ? 1 : 0;
    data[i * 2] = (y[i] ? 4 : 0) + rng.next(); // gap of 3 between the classes
    data[i * 2 + 1] = rng.normal();
  }
  const X = { data, rows: n, cols: 2 };
  const split = stratifiedSplit(Int32Array.from(y), { seed: 0 });
  for (const l2 of [1e-2, 1e-4]) {
    const r = singleNeuronProbes(X, [y], split, { l2, tolerance: 1e-10, iterations: 100 });
    assert.ok(r.iterations[0]! < 100, `l2 ${l2}: ${r.iterations[0]} iterations`);
    assert.equal(r.auc[0], 1);
    assert.equal(r.accuracy[0], 1);
    let gw = 0;
    let gb = 0;
    for (const row of split.train) {
      const h = (data[row * 2]! - r.mean[0]!) / r.std[0]!;
      const d = 1 / (1 + Math.exp(-(r.weight[0]! * h + r.bias[0]!))) - y[row]!;
      gw += d * h;
      gb += d;
    }
    gw = gw / split.train.length + l2 * r.weight[0]!;
    gb /= split.train.length;
    assert.ok(Math.abs(gw) < 1e-5 && Math.abs(gb) < 1e-5, `l2 ${l2}: w ${r.weight[0]}, gradient (${gw}, ${gb})`);
  }
});

test('test metrics equal metrics() on the probe’s probabilities', () => {
  const { X, Y } = planted(4);
  const split = stratifiedSplit(Int32Array.from(Y[2]!), { seed: 4 });
  const r = singleNeuronProbes(X, Y, split);
  for (const [c, j] of [[0, 0], [2, 8], [1, 3], [2, 17]] as const) {
    const at = c * NEURONS + j;
    const scores = Float64Array.from(split.test, (row) => {
      const h = (X.data[row * NEURONS + j]! - r.mean[j]!) / r.std[j]!;
      return 1 / (1 + Math.exp(-(r.weight[at]! * h + r.bias[at]!)));
    });
    const m = metrics(scores, Uint8Array.from(split.test, (row) => Y[c]![row]!));
    assert.ok(Math.abs(m.auc - r.auc[at]!) < 1e-6, `(${c}, ${j}) AUC ${m.auc} vs ${r.auc[at]}`);
    assert.ok(Math.abs(m.accuracy - r.accuracy[at]!) < 1e-6);
    assert.ok(Math.abs(m.balancedAccuracy - r.balancedAccuracy[at]!) < 1e-6);
  }
});

test('shuffled labels: weight ≈ 0, chance balanced accuracy, chance AUC off the planted neuron; a concept absent from train is not fitted', () => {
  const { X, Y } = planted();
  const split = stratifiedSplit(Int32Array.from(Y[0]!), { seed: 0 });
  const shuffled = singleNeuronProbes(X, [shuffleLabels(Y[0]!, split, 9)], split);
  // One weight can only flip the neuron's ranking, so the planted neuron's AUC is AUC(h) or
  // 1 − AUC(h) whatever the labels; on shuffled labels its weight is ~0 and its balanced accuracy chance.
  assert.ok(Math.abs(shuffled.weight[0]!) < 0.15, `weight ${shuffled.weight[0]}`);
  assert.ok(Math.abs(shuffled.balancedAccuracy[0]! - 0.5) < 0.05, `balanced accuracy ${shuffled.balancedAccuracy[0]}`);
  const others = [...shuffled.auc].filter((_, j) => j !== 0);
  const mean = others.reduce((a, v) => a + v, 0) / others.length;
  assert.ok(mean > 0.45 && mean < 0.55, `mean AUC of the other neurons ${mean}`);
  assert.ok(others.every((v) => v > 0.4 && v < 0.6), `other neurons ${others.map((v) => v.toFixed(2)).join(' ')}`);
  const absent = new Uint8Array(IMAGES);
  for (const row of split.test) absent[row] = Y[0]![row]!;
  const r = singleNeuronProbes(X, [absent], split);
  assert.ok(r.iterations.every((v) => v === 0));
  assert.ok(r.weight.every((v) => v === 0));
  assert.ok(r.auc.every((v) => v === 0.5));
});

test('deterministic: identical bytes from identical inputs', () => {
  const { X, Y } = planted(7);
  const split = stratifiedSplit(Int32Array.from(Y[1]!), { seed: 7 });
  const a = singleNeuronProbes(X, Y, split);
  const b = singleNeuronProbes(X, Y, split);
  for (const key of ['auc', 'accuracy', 'balancedAccuracy', 'weight', 'bias'] as const) {
    assert.deepEqual(Buffer.from(a[key].buffer), Buffer.from(b[key].buffer), key);
  }
});

test('bad input is refused with one-line errors', () => {
  const { X, Y } = planted();
  const split = stratifiedSplit(Int32Array.from(Y[0]!), { seed: 0 });
  assert.throws(() => singleNeuronProbes(X, [Y[0]!.subarray(1)], split), /labels\[0\] has 1999 entries but there are 2000 images/);
  assert.throws(() => singleNeuronProbes(X, [Uint8Array.from(Y[0]!, (v) => v * 2)], split), /labels\[0\]\[\d+\] is 2; concept labels must be 0 or 1/);
  assert.throws(() => singleNeuronProbes(X, [], split), /no concept labels/);
  assert.throws(() => singleNeuronProbes(X, Y, { ...split, test: Int32Array.from([IMAGES]) }), /split.test holds row 2000/);
  assert.throws(() => singleNeuronProbes(X, Y, split, { l2: -1 }), /option l2 must be a number ≥ 0/);
});
