import { test } from 'node:test';
import { checkGradient } from '../check.js';

const mul = (b: { node: (op: string, inputs: string[]) => string }) => b.node('Mul', ['a', 'b']);

test('Mul: same dims, both inputs (float64 and float32)', async () => {
  await checkGradient({ inputs: { a: { dims: [2, 3] }, b: { dims: [2, 3] } }, build: mul });
  await checkGradient({ dtype: 'float32', inputs: { a: { dims: [2, 3] }, b: { dims: [2, 3] } }, build: mul });
});

test('Mul: broadcasting sums back over leading and size-1 axes, on either side', async () => {
  await checkGradient({ inputs: { a: { dims: [2, 3, 4] }, b: { dims: [3, 1] } }, build: mul });
  await checkGradient({ inputs: { a: { dims: [1, 4] }, b: { dims: [2, 3, 1] } }, build: mul });
});

test('Mul: a tensor times itself gets both contributions (x² → 2x)', async () => {
  await checkGradient({ inputs: { x: { dims: [2, 3] } }, build: (b) => b.node('Mul', ['x', 'x']) });
});

test('Mul: per-channel weight as an initializer, input only', async () => {
  await checkGradient({ inputs: { x: { dims: [2, 3, 2] } }, build: (b, c) => b.node('Mul', ['x', c.floats('w', [0.5, -2, 3], [3, 1])]) });
});
