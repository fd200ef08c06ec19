import { test } from 'node:test';
import { checkGradient } from '../check.js';

function matmulCase(a: number[], b: number[], wrt?: string[]) {
  return checkGradient({ inputs: { a: { dims: a }, b: { dims: b } }, ...(wrt ? { wrt } : {}), build: (g) => g.node('MatMul', ['a', 'b']) });
}

test('MatMul: 2-D × 2-D, gradients of both inputs', async () => {
  await matmulCase([3, 4], [4, 5]);
});

test('MatMul: batched, with batch axes broadcast on either side and summed back', async () => {
  await matmulCase([2, 3, 4], [2, 4, 5]);
  await matmulCase([2, 3, 4], [4, 5]);
  await matmulCase([3, 4], [2, 2, 4, 5]);
  await matmulCase([2, 1, 3, 4], [1, 3, 4, 2]);
});

test('MatMul: 1-D operands on either side or both (numpy semantics)', async () => {
  await matmulCase([4], [4, 5]);
  await matmulCase([4], [2, 4, 5]);
  await matmulCase([2, 3, 4], [4]);
  await matmulCase([3, 4], [4]);
  await matmulCase([4], [4]);
});

test('MatMul: only the input on the path gets a gradient (weights as initializers)', async () => {
  await checkGradient({
    inputs: { x: { dims: [2, 3, 2] } },
    build: (g, c) => g.node('MatMul', ['x', c.floats('w', [1, -2, 0.5, 3, 2, -1], [2, 3])]),
  });
});
