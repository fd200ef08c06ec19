import { test } from 'node:test';
import { checkGradient } from '../check.js';

for (const [transA, transB] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
  test(`Gemm: transA=${transA} transB=${transB}, alpha/beta, C broadcast; gradients of A, B and C`, async () => {
    await checkGradient({
      inputs: { a: { dims: transA ? [4, 3] : [3, 4] }, b: { dims: transB ? [5, 4] : [4, 5] }, c: { dims: [5] } },
      build: (b) => b.node('Gemm', ['a', 'b', 'c'], { transA, transB, alpha: 0.5 + transA, beta: 1.5 }),
    });
  });
}

test('Gemm: A only (weights as initializers), no C', async () => {
  await checkGradient({
    inputs: { a: { dims: [2, 3] } },
    build: (b, c) => b.node('Gemm', ['a', c.floats('w', [1, -2, 3, 0.5, 2, -1], [2, 3])], { transB: 1 }),
  });
});
