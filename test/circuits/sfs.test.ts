import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intersectionSize, semanticFlowScore, semanticFlowScores } from '../../src/circuits/sfs.js';
import { Random } from '../../src/util/random.js';

const I = (...v: number[]) => Int32Array.from(v);

test('SFS: hand-made sets', () => {
  const source = I(1, 4, 7, 9);
  assert.equal(semanticFlowScore(source, I(4, 9)), 1);
  assert.equal(semanticFlowScore(source, I(0, 4, 8, 10)), 0.25);
  assert.equal(semanticFlowScore(source, I(2, 3)), 0);
  assert.equal(semanticFlowScore(source, I()), 0);
  assert.equal(semanticFlowScore(I(), I(1)), 0);
  // Not symmetric: normalised by the target's size.
  assert.equal(semanticFlowScore(I(4, 9), source), 0.5);
  assert.deepEqual(Array.from(semanticFlowScores(source, [I(4, 9), I(0, 4, 8, 10), I(2, 3), I()], 11)), [1, 0.25, 0, 0]);
});

test('SFS: merge, galloping and bitmap agree with a Set on random sets', () => {
  const rng = new Random(9);
  const images = 5000;
  const draw = (k: number) => Int32Array.from(new Set(Array.from({ length: k }, () => rng.int(images)))).sort();
  const sizes = [0, 1, 3, 50, 400, 2500];
  const sets = sizes.flatMap((k) => [draw(k), draw(k)]);
  for (const a of sets) {
    const batch = semanticFlowScores(a, sets, images);
    sets.forEach((b, j) => {
      const members = new Set(a);
      const expected = b.filter((x) => members.has(x)).length;
      assert.equal(intersectionSize(a, b), expected);
      assert.equal(intersectionSize(b, a), expected);
      assert.equal(batch[j], b.length === 0 ? 0 : expected / b.length);
    });
  }
  // Galloping edge cases: the short set's elements beyond, before and at the ends of the long one.
  const long = Int32Array.from({ length: 1000 }, (_, i) => 2 * i);
  assert.equal(intersectionSize(I(-1, 0, 1, 998, 1998, 1999, 5000), long), 3);
});
