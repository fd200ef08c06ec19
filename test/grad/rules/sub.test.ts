import { test } from 'node:test';
import { checkGradient } from '../check.js';

const sub = (b: { node: (op: string, inputs: string[]) => string }) => b.node('Sub', ['a', 'b']);

test('Sub: same dims, both inputs (float64 and float32)', async () => {
  await checkGradient({ inputs: { a: { dims: [2, 3] }, b: { dims: [2, 3] } }, build: sub });
  await checkGradient({ dtype: 'float32', inputs: { a: { dims: [2, 3] }, b: { dims: [2, 3] } }, build: sub });
});

test('Sub: broadcasting sums back over leading and size-1 axes, on either side', async () => {
  await checkGradient({ inputs: { a: { dims: [2, 3, 4] }, b: { dims: [3, 1] } }, build: sub });
  await checkGradient({ inputs: { a: { dims: [4] }, b: { dims: [2, 3, 1] } }, build: sub });
  await checkGradient({ inputs: { a: { dims: [2, 1, 4] }, b: { dims: [1, 3, 1] } }, build: sub });
});

test('Sub: only the subtrahend differentiated (the minuend a weight)', async () => {
  await checkGradient({ inputs: { b: { dims: [2, 3] } }, build: (b, c) => b.node('Sub', [c.floats('w', [1, 2, 3], [3]), 'b']) });
});
