import { test } from 'node:test';
import { checkGradient } from '../check.js';

test('Min: two inputs, same dims and broadcast (float64 and float32)', async () => {
  await checkGradient({ inputs: { a: { dims: [2, 3] }, b: { dims: [2, 3] } }, build: (b) => b.node('Min', ['a', 'b']) });
  await checkGradient({ inputs: { a: { dims: [3, 1] }, b: { dims: [2, 3, 4] } }, build: (b) => b.node('Min', ['a', 'b']) });
  await checkGradient({ dtype: 'float32', inputs: { a: { dims: [2, 3, 4] }, b: { dims: [4] } }, build: (b) => b.node('Min', ['a', 'b']) });
});

test('Min: three differentiated inputs', async () => {
  await checkGradient({ inputs: { a: { dims: [2, 3] }, b: { dims: [3] }, c: { dims: [2, 1] } }, build: (b) => b.node('Min', ['a', 'b', 'c']) });
});

test('Min: a two-way tie splits dz in halves (central differences agree)', async () => {
  await checkGradient({
    inputs: { a: { dims: [4], values: [1, -2, 0.5, 3] }, b: { dims: [4], values: [1, -1, 0.5, 2] } },
    build: (g) => g.node('Min', ['a', 'b']),
  });
});
