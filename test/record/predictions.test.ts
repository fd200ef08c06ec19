// Top-k predictions: the one-pass selection equals a full sort of (score desc, class asc).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { looksLikeProbabilities, softmax, topPredictions } from '../../src/record/predictions.js';
import { Random } from '../../src/util/random.js';

function bySort(row: Float32Array, k: number): { classes: number[]; scores: number[] } {
  const scores = looksLikeProbabilities(row) ? Float64Array.from(row) : softmax(row);
  const order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, k);
  return { classes: order, scores: order.map((i) => scores[i]!) };
}

test('top-k equals sorting every class, ties to the lower index', () => {
  const rng = new Random(11);
  for (let trial = 0; trial < 3000; trial++) {
    // Few distinct values, so ties are frequent; k sometimes above the class count.
    const row = Float32Array.from({ length: 1 + rng.int(25) }, () => rng.int(4) - 1);
    const k = 1 + rng.int(8);
    assert.deepEqual(topPredictions(row, k), bySort(row, Math.min(k, row.length)), `row ${row.join(',')} k ${k}`);
  }
});

test('probability rows are ranked as given, logits through softmax; a NaN output keeps class order', () => {
  assert.deepEqual(topPredictions(Float32Array.of(0.25, 0.5, 0.25), 2), { classes: [1, 0], scores: [0.5, 0.25] });
  const logits = topPredictions(Float32Array.of(0, Math.log(3)), 1);
  assert.deepEqual(logits.classes, [1]);
  assert.ok(Math.abs(logits.scores[0]! - 0.75) < 1e-7);
  // A NaN logit makes every softmax score NaN: no class beats another, so they keep their order.
  assert.deepEqual(topPredictions(Float32Array.of(0.3, NaN, -2, 0.3), 3).classes, [0, 1, 2]);
});
