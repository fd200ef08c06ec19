import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkGradient } from '../check.js';

test('Max: two inputs, same dims and broadcast (float64 and float32)', async () => {
  await checkGradient({ inputs: { a: { dims: [2, 3] }, b: { dims: [2, 3] } }, build: (b) => b.node('Max', ['a', 'b']) });
  await checkGradient({ inputs: { a: { dims: [2, 3, 4] }, b: { dims: [3, 1] } }, build: (b) => b.node('Max', ['a', 'b']) });
  await checkGradient({ dtype: 'float32', inputs: { a: { dims: [2, 3, 4] }, b: { dims: [4] } }, build: (b) => b.node('Max', ['a', 'b']) });
});

test('Max: three inputs, one a weight; a single input is the identity', async () => {
  await checkGradient({
    inputs: { a: { dims: [2, 3] }, b: { dims: [3] } },
    build: (b, c) => b.node('Max', ['a', c.floats('w', [0.1, -0.3, 0.2], [3]), 'b']),
  });
  await checkGradient({ inputs: { a: { dims: [2, 3] } }, build: (b) => b.node('Max', ['a']) });
});

test('Max: a two-way tie splits dz in halves, which is what central differences measure at a tie', async () => {
  const a = [0.5, -1, 2, 0.25, 3, -2];
  const b = [0.5, 1, 2, -0.25, 3, -3];
  const { analytic } = await checkGradient({ inputs: { a: { dims: [2, 3], values: a }, b: { dims: [2, 3], values: b } }, build: (g) => g.node('Max', ['a', 'b']) });
  // At the ties both inputs got the same (non-zero) share.
  for (const i of [0, 2, 4]) {
    assert.equal(analytic.a![i], analytic.b![i], `tie at ${i} split evenly`);
    assert.notEqual(analytic.a![i], 0, `tie at ${i} gets a share`);
  }
});
