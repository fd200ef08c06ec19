// stratifiedSplit, shuffleLabels and the train-statistics standardiser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NeurolensError } from '../../src/errors.js';
import { shuffleLabels, stratifiedSplit } from '../../src/probes/split.js';
import { standardiser } from '../../src/probes/standardise.js';

function classCounts(labels: Int32Array, rows: Int32Array): Map<number, number> {
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(labels[r]!, (counts.get(labels[r]!) ?? 0) + 1);
  return counts;
}

test('stratified split: disjoint sorted parts covering every row, shares per class', () => {
  const labels = Int32Array.from({ length: 1000 }, (_, i) => (i % 10 < 3 ? 1 : 0)); // 300 positives
  const split = stratifiedSplit(labels, { seed: 3 });
  const all = [...split.train, ...split.validation, ...split.test].sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: 1000 }, (_, i) => i));
  for (const part of [split.train, split.validation, split.test]) {
    for (let i = 1; i < part.length; i++) assert.ok(part[i - 1]! < part[i]!, 'parts are sorted ascending');
  }
  assert.equal(split.test.length, 200);
  assert.equal(split.validation.length, 80);
  assert.equal(split.train.length, 720);
  assert.equal(classCounts(labels, split.test).get(1), 60);
  assert.equal(classCounts(labels, split.validation).get(1), 24);
  assert.equal(classCounts(labels, split.train).get(1), 216);
});

test('stratified split: small classes keep one row in train and in test; singletons go to train', () => {
  const labels = Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 3, 3]);
  const split = stratifiedSplit(labels, { seed: 1 });
  const train = classCounts(labels, split.train);
  const test = classCounts(labels, split.test);
  assert.equal(train.get(1), 1);
  assert.equal(test.get(1), 1);
  assert.equal(train.get(2), 1);
  assert.equal(test.get(2), undefined);
  assert.ok((train.get(3) ?? 0) >= 1 && (test.get(3) ?? 0) >= 1);
  const noTest = stratifiedSplit(labels, { test: 0, validation: 0 });
  assert.equal(noTest.test.length, 0);
  assert.equal(noTest.train.length, labels.length);
});

test('stratified split: seeded and deterministic; shares are checked', () => {
  const labels = Int32Array.from({ length: 300 }, (_, i) => i % 3);
  const a = stratifiedSplit(labels, { seed: 7 });
  const b = stratifiedSplit(labels, { seed: 7 });
  const c = stratifiedSplit(labels, { seed: 8 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.test, c.test);
  assert.throws(() => stratifiedSplit(labels, { test: 1 }), (e: unknown) => e instanceof NeurolensError && /option test must be a number in \[0, 1\)/.test(e.message));
  assert.throws(() => stratifiedSplit(labels, { validation: -0.1 }), NeurolensError);
});

test('shuffleLabels permutes train + validation labels only and is seeded', () => {
  const y = Uint8Array.from({ length: 500 }, (_, i) => (i % 4 === 0 ? 1 : 0));
  const split = stratifiedSplit(Int32Array.from(y), { seed: 0 });
  const shuffled = shuffleLabels(y, split, 5);
  for (const r of split.test) assert.equal(shuffled[r], y[r]);
  const sum = (v: Uint8Array, rows: Int32Array) => [...rows].reduce((a, r) => a + v[r]!, 0);
  const fit = Int32Array.from([...split.train, ...split.validation]);
  assert.equal(sum(shuffled, fit), sum(y, fit), 'same number of positives among the fitted rows');
  let moved = 0;
  for (const r of fit) if (shuffled[r] !== y[r]) moved++;
  assert.ok(moved > 50, `labels should move (moved ${moved})`);
  assert.deepEqual(shuffleLabels(y, split, 5), shuffled);
  assert.notDeepEqual(shuffleLabels(y, split, 6), shuffled);
});

test('standardiser uses only the given rows; a constant neuron gets std 1; non-finite values are refused', () => {
  // 4 images × 3 neurons; statistics from rows 0 and 2 only.
  const X = { data: Float32Array.from([1, 5, 2, 100, -7, 2, 3, 5, 2, 50, 9, 2]), rows: 4, cols: 3 };
  const s = standardiser(X, Int32Array.from([0, 2]));
  assert.deepEqual([...s.mean], [2, 5, 2]);
  assert.deepEqual([...s.std], [1, 1, 1]);
  const Z = s.apply(X);
  assert.deepEqual([...Z.data], [-1, 0, 0, 98, -12, 0, 1, 0, 0, 48, 4, 0]);
  const t = standardiser(X, Int32Array.from([0, 1, 2, 3]));
  assert.ok(Math.abs(t.mean[0]! - 38.5) < 1e-12);
  assert.ok(Math.abs(t.std[0]! - Math.sqrt(((1 - 38.5) ** 2 + (100 - 38.5) ** 2 + (3 - 38.5) ** 2 + (50 - 38.5) ** 2) / 4)) < 1e-9);
  const bad = { data: Float32Array.from([1, NaN, 2, 3]), rows: 2, cols: 2 };
  assert.throws(() => standardiser(bad, Int32Array.from([0, 1])), (e: unknown) => e instanceof NeurolensError && /image 0, neuron 1 is NaN/.test(e.message));
  assert.throws(() => standardiser({ data: new Float32Array(5), rows: 2, cols: 2 }, Int32Array.from([0])), /5 values but rows × cols = 2 × 2/);
});
