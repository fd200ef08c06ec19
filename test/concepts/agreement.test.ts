import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adjustedRandIndex, purity } from '../../src/concepts/agreement.js';

test('adjusted Rand index: 1 for identical partitions up to renaming, hand-computed value otherwise', () => {
  assert.equal(adjustedRandIndex([0, 0, 1, 1], ['a', 'a', 'b', 'b']), 1);
  assert.equal(adjustedRandIndex([5, 5, 2, 2, 2], ['x', 'x', 'y', 'y', 'y']), 1);
  // Contingency [[2,1],[0,3]] over n = 6: index = C(2,2) + C(3,2) = 4; row pairs a = 3 + 3 = 6;
  // column pairs b = C(2,2) + C(4,2) = 7; expected = 6·7/15 = 2.8; max = 6.5 → ARI = 1.2 / 3.7.
  const ari = adjustedRandIndex([0, 0, 0, 1, 1, 1], ['a', 'a', 'b', 'b', 'b', 'b']);
  assert.ok(Math.abs(ari - 1.2 / 3.7) < 1e-12, String(ari));
});

test('purity: share of images in their cluster’s majority label', () => {
  assert.equal(purity([0, 0, 0, 1, 1, 1], ['a', 'a', 'b', 'b', 'b', 'b']), 5 / 6);
  assert.equal(purity([0, 1, 2, 3], ['a', 'a', 'a', 'a']), 1);
});
