import { test } from 'node:test';
import { checkGradient } from '../check.js';
import { checkSymbolicBatch } from '../batch.js';

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

test('Concat: along a symbolic batch axis (offsets from run-time shapes) equals the fixed-batch gradient', async () => {
  // Both batches 2: the probe (one dummy batch of 2) reads the concatenated dim as 4, so the seed must be.
  await checkSymbolicBatch({ inputs: { a: { dims: [2, 3] }, b: { dims: [2, 3] } }, build: (b) => b.node('Concat', ['a', 'b'], { axis: 0 }) });
});

test('Concat: other axes of a symbolic-batch model keep their static offsets', async () => {
  await checkSymbolicBatch({ inputs: { a: { dims: [2, 3] }, b: { dims: [2, 1] } }, build: (b) => b.node('Concat', ['a', 'b'], { axis: 1 }) });
});
