// metrics() against hand-computed values (ties included) and the majority baseline.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { averageRanks, baselines, metrics } from '../../src/probes/metrics.js';
import type { Split } from '../../src/probes/types.js';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${a} ≉ ${b}`);

test('accuracy, balanced accuracy and AUC by hand', () => {
  // Positives 0.35, 0.8; negatives 0.1, 0.4: pairs won 1 + 2 of 4 → AUC 0.75.
  const m = metrics(Float64Array.from([0.1, 0.4, 0.35, 0.8]), Uint8Array.from([0, 0, 1, 1]));
  close(m.auc, 0.75);
  close(m.accuracy, 0.75); // predictions 0, 0, 0, 1
  close(m.balancedAccuracy, (0.5 + 1) / 2);
  assert.equal(m.count, 4);
  assert.equal(m.positives, 2);
});

test('ties count half: average ranks', () => {
  assert.deepEqual([...averageRanks(Float64Array.from([0.5, 0.5, 0.5, 0.9, 0.2]))], [3, 3, 3, 5, 1]);
  // Positives 0.5, 0.9; negatives 0.5, 0.5, 0.2: 0.5 vs the tied 0.5s = ½ + ½, vs 0.2 = 1, 0.9 wins 3 → 5/6.
  const m = metrics(Float32Array.from([0.5, 0.5, 0.5, 0.9, 0.2]), Uint8Array.from([1, 0, 0, 1, 0]));
  close(m.auc, 5 / 6);
  close(m.accuracy, 3 / 5); // 0.5 counts as positive: predictions 1, 1, 1, 1, 0
  close(m.balancedAccuracy, (1 + 1 / 3) / 2);
  close(metrics(new Float64Array(6).fill(0.3), Uint8Array.from([1, 0, 1, 0, 0, 0])).auc, 0.5);
  close(metrics(Float64Array.from([0.9, 0.8, 0.1]), Uint8Array.from([0, 0, 1])).auc, 0);
});

test('one class absent: AUC NaN, balanced accuracy = recall of the class present; no rows: NaN', () => {
  const m = metrics(Float64Array.from([0.9, 0.2, 0.7]), Uint8Array.from([1, 1, 1]));
  assert.ok(Number.isNaN(m.auc));
  close(m.accuracy, 2 / 3);
  close(m.balancedAccuracy, 2 / 3);
  const empty = metrics(new Float64Array(0), new Uint8Array(0));
  assert.ok(Number.isNaN(empty.accuracy) && Number.isNaN(empty.balancedAccuracy) && Number.isNaN(empty.auc));
});

test('majority baseline predicts the train majority class', () => {
  // Train: 3 positives of 10 → class 0; test: 4 negatives, 2 positives.
  const y = Uint8Array.from([1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0]);
  const split: Split = {
    train: Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
    validation: new Int32Array(0),
    test: Int32Array.from([10, 11, 12, 13, 14, 15]),
  };
  const b = baselines(y, split);
  assert.equal(b.majorityClass, 0);
  close(b.majority.accuracy, 4 / 6);
  close(b.majority.balancedAccuracy, 0.5);
  close(b.majority.auc, 0.5);
  const flipped = baselines(Uint8Array.from(y, (v) => 1 - v), split);
  assert.equal(flipped.majorityClass, 1);
  close(flipped.majority.accuracy, 4 / 6); // test labels flipped too: 4 positives of 6
});
