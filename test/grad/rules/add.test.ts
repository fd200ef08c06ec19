import { test } from 'node:test';
import { checkGradient } from '../check.js';

test('Add: same dims (float64)', async () => {
  await checkGradient({ inputs: { a: { dims: [2, 3] }, b: { dims: [2, 3] } }, build: (b) => b.node('Add', ['a', 'b']) });
});

test('Add: broadcasting sums back over leading and size-1 axes', async () => {
  await checkGradient({ inputs: { a: { dims: [2, 3, 4] }, b: { dims: [3, 1] } }, build: (b) => b.node('Add', ['a', 'b']) });
  await checkGradient({ inputs: { a: { dims: [2, 1, 4] }, b: { dims: [1, 3, 1] } }, build: (b) => b.node('Add', ['a', 'b']) });
});

test('Add: only the differentiated input gets a gradient (the other is a weight)', async () => {
  await checkGradient({ inputs: { a: { dims: [2, 3] } }, build: (b, c) => b.node('Add', ['a', c.floats('w', [1, 2, 3], [3])]) });
});
