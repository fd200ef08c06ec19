// trainLogistic (L2 by L-BFGS, L1 by FISTA), sparseK, the shuffled control and the majority baseline.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NeurolensError } from '../../src/errors.js';
import { sparseK, trainLogistic } from '../../src/probes/logistic.js';
import { baselines } from '../../src/probes/metrics.js';
import { singleNeuronProbes } from '../../src/probes/single.js';
import { shuffleLabels, stratifiedSplit } from '../../src/probes/split.js';
import { standardiser } from '../../src/probes/standardise.js';
import type { Matrix } from '../../src/probes/types.js';
import { Random } from '../../src/util/random.js';

const IMAGES = 3000;
const NEURONS = 40;
const CONCEPT_NEURONS = [3, 11, 17, 29];

/** A concept read from four neurons together: y = [x3 + x11 + x17 − x29 + noise > 1]; neurons on different scales. */
function planted(seed = 1): { X: Matrix; y: Uint8Array } {
  const rng = new Random(seed);
  const data = new Float32Array(IMAGES * NEURONS);
  const y = new Uint8Array(IMAGES);
  for (let i = 0; i < IMAGES; i++) {
    const o = i * NEURONS;
    for (let j = 0; j < NEURONS; j++) data[o + j] = rng.normal() * (1 + (j % 5)) + j;
    const z = [0, 1, 2, 3].reduce((a, t) => a + ((data[o + CONCEPT_NEURONS[t]!]! - CONCEPT_NEURONS[t]!) / (1 + (CONCEPT_NEURONS[t]! % 5))) * (t === 3 ? -1 : 1), 0);
    y[i] = z + 0.1 * rng.normal() > 1 ? 1 : 0;
  }
  return { X: { data, rows: IMAGES, cols: NEURONS }, y };
}

test('the multi-neuron probe is near-perfect where every single neuron is not', () => {
  const { X, y } = planted();
  const split = stratifiedSplit(Int32Array.from(y), { seed: 0 });
  const fit = trainLogistic(X, y, split);
  assert.ok(fit.metrics.test.auc >= 0.99, `test AUC ${fit.metrics.test.auc}`);
  assert.ok(fit.metrics.test.balancedAccuracy >= 0.9, `balanced accuracy ${fit.metrics.test.balancedAccuracy}`);
  assert.equal(fit.metrics.test.count, split.test.length);
  const top = [...fit.weights.keys()].sort((a, b) => Math.abs(fit.weights[b]!) - Math.abs(fit.weights[a]!)).slice(0, 4);
  assert.deepEqual(top.sort((a, b) => a - b), CONCEPT_NEURONS);
  assert.ok(fit.weights[29]! < 0);
  const single = singleNeuronProbes(X, [y], split);
  assert.ok(Math.max(...single.auc) < 0.85, `best single neuron ${Math.max(...single.auc)}`);
  assert.ok(fit.epochs > 0 && fit.epochs <= 200);
  assert.ok(Number.isFinite(fit.bestValidationLoss));
});

test('L-BFGS reaches the optimum: the gradient vanishes', () => {
  const { X, y } = planted(2);
  const split = stratifiedSplit(Int32Array.from(y), { seed: 1 });
  const l2 = 1e-2;
  const fit = trainLogistic(X, y, split, { l2, earlyStopping: false, tolerance: 1e-12, maxEpochs: 1000 });
  const Z = standardiser(X, split.train).apply(X);
  const g = new Float64Array(NEURONS + 1);
  for (const r of split.train) {
    let z = fit.bias;
    for (let j = 0; j < NEURONS; j++) z += fit.weights[j]! * Z.data[r * NEURONS + j]!;
    const d = 1 / (1 + Math.exp(-z)) - y[r]!;
    for (let j = 0; j < NEURONS; j++) g[j] += d * Z.data[r * NEURONS + j]!;
    g[NEURONS] += d;
  }
  for (let j = 0; j <= NEURONS; j++) {
    const gj = g[j]! / split.train.length + (j < NEURONS ? l2 * fit.weights[j]! : 0);
    assert.ok(Math.abs(gj) < 1e-5, `∂/∂θ${j} = ${gj}`);
  }
});

test('L1 (FISTA) gives a sparse probe that keeps the concept neurons', () => {
  const { X, y } = planted();
  const split = stratifiedSplit(Int32Array.from(y), { seed: 0 });
  const fit = trainLogistic(X, y, split, { l1: 0.02, l2: 0 });
  const nonZero = [...fit.weights.keys()].filter((j) => fit.weights[j] !== 0);
  for (const j of CONCEPT_NEURONS) assert.ok(nonZero.includes(j), `neuron ${j} dropped`);
  assert.ok(nonZero.length <= 10, `${nonZero.length} non-zero weights`);
  assert.ok(fit.metrics.test.auc >= 0.98, `test AUC ${fit.metrics.test.auc}`);
});

test('sparseK: four neurons carry the concept', () => {
  const { X, y } = planted();
  const split = stratifiedSplit(Int32Array.from(y), { seed: 0 });
  const full = trainLogistic(X, y, split);
  const sparse = sparseK(X, y, split, full.weights, full.metrics.test.auc);
  assert.ok(sparse.k >= 2 && sparse.k <= 4, `k = ${sparse.k}`);
  assert.ok(Math.abs(sparse.threshold - 0.95 * full.metrics.test.auc) < 1e-12);
  const ks = sparse.curve.map((p) => p.k);
  assert.deepEqual(ks, [...ks].sort((a, b) => a - b));
  for (const k of [1, 2, 4, 8, 16, 32, NEURONS]) assert.ok(ks.includes(k), `curve lacks k = ${k}`);
  const at = (k: number) => sparse.curve.find((p) => p.k === k)!;
  assert.ok(at(sparse.k).auc >= sparse.threshold);
  if (sparse.k > 1) assert.ok(at(sparse.k - 1).auc < sparse.threshold, 'k is the smallest (refined)');
  assert.ok(at(NEURONS).auc > 0.98);
  assert.deepEqual([...sparse.order.slice(0, 4)].sort((a, b) => a - b), CONCEPT_NEURONS);
  const reuse = sparseK(X, y, split, full.weights, full.metrics.test.auc, { refit: false, bias: full.bias });
  assert.ok(reuse.k <= 4 && Math.abs(reuse.curve.at(-1)!.auc - full.metrics.test.auc) < 1e-9);
  assert.throws(() => sparseK(X, y, split, full.weights.subarray(1), 0.9), NeurolensError);
});

test('shuffled-label control scores chance; the majority baseline scores the majority share', () => {
  const { X, y } = planted();
  const split = stratifiedSplit(Int32Array.from(y), { seed: 0 });
  for (const seed of [1, 2, 3]) {
    const control = trainLogistic(X, shuffleLabels(y, split, seed), split);
    assert.ok(control.metrics.test.auc > 0.4 && control.metrics.test.auc < 0.6, `seed ${seed}: AUC ${control.metrics.test.auc}`);
  }
  const base = baselines(y, split);
  let positives = 0;
  for (const r of split.test) positives += y[r]!;
  const share = positives / split.test.length;
  assert.equal(base.majorityClass, share < 0.5 ? 0 : 1);
  assert.ok(Math.abs(base.majority.accuracy - Math.max(share, 1 - share)) < 1e-12);
  assert.equal(base.majority.auc, 0.5);
});

test('deterministic: the same inputs give identical weight bytes (L2 and L1)', () => {
  const { X, y } = planted(5);
  const split = stratifiedSplit(Int32Array.from(y), { seed: 5 });
  for (const options of [{}, { l1: 0.01 }]) {
    const a = trainLogistic(X, y, split, options);
    const b = trainLogistic(X, y, split, options);
    assert.deepEqual(Buffer.from(a.weights.buffer), Buffer.from(b.weights.buffer));
    assert.equal(a.bias, b.bias);
    assert.deepEqual(a.metrics, b.metrics);
  }
});

test('early stopping keeps the best validation loss and stops after `patience` iterations without one', () => {
  const { X, y } = planted(6);
  const split = stratifiedSplit(Int32Array.from(y), { seed: 6, validation: 0.3 });
  const free = trainLogistic(X, y, split, { earlyStopping: false, tolerance: 0, maxEpochs: 60, l2: 0 });
  assert.equal(free.epochs, 60);
  assert.ok(Number.isNaN(free.bestValidationLoss));
  const stopped = trainLogistic(X, y, split, { tolerance: 0, maxEpochs: 60, l2: 0, patience: 3 });
  assert.ok(stopped.epochs < 60, `stopped after ${stopped.epochs} epochs`);
  assert.ok(Number.isFinite(stopped.bestValidationLoss));
  assert.ok(stopped.metrics.test.auc > 0.98);
});

test('a tiny, noisy validation slice does not freeze the probe at its zero starting weights', () => {
  // 200 images, 8 positives carried by neuron 0. The validation slice holds ONE positive, and it
  // carries no signal: fitting the signal raises its validation loss from the first step on.
  const rows = 200;
  const cols = 5;
  const rng = new Random(4);
  const data = new Float32Array(rows * cols);
  const y = new Uint8Array(rows);
  const positives = [3, 40, 77, 105, 120, 150, 170, 190];
  for (const r of positives) y[r] = 1;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] = rng.normal() + (c === 0 && y[r] && r !== 105 ? 4 : 0);
  const validation = Int32Array.from({ length: 20 }, (_, i) => 100 + i); // rows 100–119: positive 105 only
  const test = Int32Array.from([3, 40, 150, 160, 161, 162, 163, 164, 165, 166]);
  const taken = new Set([...validation, ...test]);
  const train = Int32Array.from({ length: rows }, (_, r) => r).filter((r) => !taken.has(r));
  const fit = trainLogistic({ data, rows, cols }, y, { train, validation, test });
  assert.ok(Math.abs(fit.weights[0]!) > 0.1, `weight ${fit.weights[0]}`);
  assert.ok(fit.metrics.test.auc > 0.9, `test AUC ${fit.metrics.test.auc}`);
});
