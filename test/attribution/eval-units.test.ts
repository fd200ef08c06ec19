// Pure parts of the attribution evaluation: units, orders, steps, perturbed images, areas,
// normalisation, rank correlation — each against a hand computation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { curveArea, makeCurve, normalisation, round6, trapezoid } from '../../src/attribution/eval/curves.js';
import { rankUnits, stepCounts, stepFractions, unitGrid, unitScores } from '../../src/attribution/eval/order.js';
import { copyUnits, writeCurveImages } from '../../src/attribution/eval/perturb.js';
import { randomCurveKinds, randomMap, randomMapSeed } from '../../src/attribution/eval/random-maps.js';
import { averageRanks, pearson, spearman, stat } from '../../src/attribution/eval/spearman.js';

test('unitGrid: 5×6 map, unit 2 → 3×3 units, edge units hold fewer pixels, row-major', () => {
  const g = unitGrid(5, 6, 2);
  assert.equal(g.rows, 3);
  assert.equal(g.cols, 3);
  assert.equal(g.count, 9);
  const pixelsOf = (u: number) => [...g.pixels.subarray(g.starts[u]!, g.starts[u + 1]!)];
  assert.deepEqual(pixelsOf(0), [0, 1, 6, 7]);
  assert.deepEqual(pixelsOf(2), [4, 5, 10, 11]);
  assert.deepEqual(pixelsOf(6), [24, 25]); // bottom row: only row 4
  assert.deepEqual(pixelsOf(8), [28, 29]);
  assert.equal(g.starts[9], 30); // every pixel in exactly one unit
  assert.deepEqual([...new Set(g.pixels)].sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i));
});

test('unitScores averages each unit over its own pixels', () => {
  const map = Float32Array.from({ length: 30 }, (_, i) => i); // value = pixel index
  const s = unitScores(map, unitGrid(5, 6, 2));
  assert.deepEqual([...s], [3.5, 5.5, 7.5, 15.5, 17.5, 19.5, 24.5, 26.5, 28.5]);
  assert.deepEqual([...unitScores(map, unitGrid(5, 6, 1))], [...map]);
  assert.throws(() => unitScores(map, unitGrid(4, 6, 2)), /30 values/);
});

test('rankUnits: MoRF descending, LeRF ascending, ties keep the lower index first in both', () => {
  const scores = [0.5, 2, 0.5, -1, 2, 0.5];
  assert.deepEqual([...rankUnits(scores, 'morf')], [1, 4, 0, 2, 5, 3]);
  assert.deepEqual([...rankUnits(scores, 'lerf')], [3, 0, 2, 5, 1, 4]);
  // LeRF is not MoRF reversed when there are ties.
  assert.notDeepEqual([...rankUnits(scores, 'lerf')], [...rankUnits(scores, 'morf')].reverse());
});

test('stepCounts: n_k = round(k·U/S), 0 and U at the ends; x = k/S', () => {
  assert.deepEqual([...stepCounts(10, 4)], [0, 3, 5, 8, 10]); // 2.5 → 3, 7.5 → 8
  assert.deepEqual([...stepCounts(3, 6)], [0, 1, 1, 2, 2, 3, 3]); // 0.5 → 1, 1.5 → 2, 2.5 → 3
  assert.deepEqual([...stepCounts(256, 20)].slice(0, 4), [0, 13, 26, 38]); // 12.8, 25.6, 38.4
  assert.deepEqual(stepFractions(4), [0, 0.25, 0.5, 0.75, 1]);
  assert.throws(() => stepCounts(10, 0), /steps/);
});

test('copyUnits and writeCurveImages: NCHW and NHWC give the same pixels replaced, incrementally', () => {
  // 2 channels, 2×2 pixels, unit 1 → 4 units; order 3, 0, 2, 1; S = 4 → images k = 1, 2, 3.
  const grid = unitGrid(2, 2, 1);
  const order = Int32Array.from([3, 0, 2, 1]);
  const counts = stepCounts(4, 4);
  for (const layout of ['NCHW', 'NHWC'] as const) {
    const geometry = { channels: 2, height: 2, width: 2, layout };
    const index = (c: number, p: number) => (layout === 'NCHW' ? c * 4 + p : p * 2 + c);
    const from = Float32Array.from({ length: 8 }, (_, i) => i + 1);
    const to = new Float32Array(8).fill(-1);
    const out = new Float32Array(8 * 5).fill(99);
    const next = writeCurveImages(from, to, order, counts, grid, geometry, out, 1);
    assert.equal(next, 4);
    assert.deepEqual([...out.subarray(0, 8)], new Array(8).fill(99)); // slot 0 untouched
    const replaced = (k: number) => {
      const image = out.subarray(k * 8, (k + 1) * 8);
      return [0, 1, 2, 3].filter((p) => image[index(0, p)] === -1 && image[index(1, p)] === -1);
    };
    assert.deepEqual(replaced(1), [3]);
    assert.deepEqual(replaced(2), [0, 3]);
    assert.deepEqual(replaced(3), [0, 2, 3]);
    const third = out.subarray(24, 32);
    assert.equal(third[index(1, 1)], from[index(1, 1)]); // the kept pixel keeps both channels
    assert.equal(third[index(0, 1)], from[index(0, 1)]);
    const target = from.slice();
    copyUnits(to, target, order, 3, 4, grid, geometry);
    assert.deepEqual([0, 1].map((c) => target[index(c, 1)]), [-1, -1]);
  }
});

test('trapezoid: hand example and the raw area', () => {
  // S = 3: ((1 + .5)/2 + (.5 + .25)/2 + (.25 + 0)/2) / 3 = 1.25 / 3.
  assert.equal(round6(trapezoid([1, 0.5, 0.25, 0])), 0.416667);
  assert.equal(trapezoid([1, 1]), 1);
  assert.equal(trapezoid([0, 1]), 0.5);
  const curve = makeCurve([0.8, 0.4, 0.2, 0], normalisation('probability', 0.8, 0));
  assert.deepEqual(curve.y, [1, 0.5, 0.25, 0]);
  assert.deepEqual(curve.x, [0, 1 / 3, 2 / 3, 1]);
  const area = curveArea(curve);
  assert.equal(round6(area.auc), 0.416667);
  assert.equal(round6(area.rawAuc), round6(0.8 * 1.25 / 3));
  assert.throws(() => trapezoid([1]), /2 points/);
});

test('normalisation: ratio for probabilities, range for logits and non-positive clean values, shift when degenerate', () => {
  assert.deepEqual(normalisation('probability', 0.5, 0.1), { rule: 'ratio', offset: 0, scale: 0.5 });
  assert.deepEqual(normalisation('activation', 2, 0), { rule: 'ratio', offset: 0, scale: 2 });
  assert.deepEqual(normalisation('logit', 3, -1), { rule: 'range', offset: -1, scale: 4 });
  assert.deepEqual(normalisation('activation', -2, -5), { rule: 'range', offset: -5, scale: 3 });
  assert.deepEqual(normalisation('probability', 0, 0.2), { rule: 'range', offset: 0.2, scale: -0.2 });
  assert.deepEqual(normalisation('logit', 2, 2 + 1e-9), { rule: 'shift', offset: 2 + 1e-9, scale: 1 });
  const c = makeCurve([3, 1, -1], normalisation('logit', 3, -1));
  assert.deepEqual(c.y, [1, 0.5, 0]);
});

test('round6 keeps 6 significant digits and never writes -0', () => {
  assert.equal(round6(0.123456789), 0.123457);
  assert.equal(round6(123456.789), 123457);
  assert.equal(Object.is(round6(-1e-30 * 0), 0), true);
  assert.equal(Object.is(round6(-0), 0), true);
});

test('averageRanks and Spearman with ties against a hand computation', () => {
  assert.deepEqual([...averageRanks([10, 20, 20, 30])], [1, 2.5, 2.5, 4]);
  assert.deepEqual([...averageRanks([5, 5, 5])], [2, 2, 2]);
  // ranks a = [1, 2.5, 2.5, 4], b = [1, 4, 2.5, 2.5]; deviations (−1.5, 0, 0, 1.5) and
  // (−1.5, 1.5, 0, 0): Σab = 2.25, Σa² = Σb² = 4.5 → ρ = 0.5.
  assert.equal(spearman([1, 2, 2, 3], [1, 3, 2, 2]), 0.5);
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 1000]), 1); // monotone, not linear
  assert.ok(pearson([1, 2, 3, 4], [10, 20, 30, 1000]) < 1);
  assert.equal(spearman([1, 2, 3], [3, 2, 1]), -1);
  assert.equal(pearson([1, 1, 1], [1, 2, 3]), 0); // constant side: defined as 0
  assert.deepEqual(stat([1, 2, 3]), { mean: 2, std: 1, n: 3 });
  assert.deepEqual(stat([4]), { mean: 4, std: null, n: 1 });
});

test('random maps are seeded per (seed, image, map) and uniform; random curves replace LeRF by MoRF', () => {
  const a = randomMap(100, randomMapSeed(0, 3, 0));
  assert.deepEqual(a, randomMap(100, randomMapSeed(0, 3, 0)));
  assert.notDeepEqual(a, randomMap(100, randomMapSeed(0, 4, 0)));
  assert.notDeepEqual(a, randomMap(100, randomMapSeed(1, 3, 0)));
  assert.notDeepEqual(a, randomMap(100, randomMapSeed(0, 3, 1)));
  assert.ok(a.every((v) => v >= 0 && v < 1));
  assert.deepEqual(randomCurveKinds(['morf', 'lerf', 'deletion', 'insertion']), ['morf', 'deletion', 'insertion']);
  assert.deepEqual(randomCurveKinds(['lerf']), ['morf']);
});
