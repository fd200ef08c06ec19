import { test } from 'node:test';
import { checkGradient } from '../check.js';

test('Concat: three inputs of different sizes, negative axis (float64)', async () => {
  await checkGradient({
    inputs: { a: { dims: [2, 3, 2] }, b: { dims: [2, 3, 1] }, c: { dims: [2, 3, 4] } },
    build: (b) => b.node('Concat', ['a', 'b', 'c'], { axis: -1 }),
  });
});

test('Concat: along the batch axis (fixed batch), and a constant input that gets no gradient', async () => {
  await checkGradient({ inputs: { a: { dims: [2, 3] }, b: { dims: [1, 3] } }, build: (b) => b.node('Concat', ['a', 'b'], { axis: 0 }) });
  await checkGradient({
    inputs: { x: { dims: [2, 4] } },
    build: (b, c) => b.node('Concat', [c.floats('token', [1, 2, 3, 4], [1, 4]), 'x'], { axis: 0 }),
  });
});
