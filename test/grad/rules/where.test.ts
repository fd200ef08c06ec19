import { test } from 'node:test';
import { checkGradient } from '../check.js';

test('Where: condition from another input; X and Y get dz where it holds / fails (float64 and float32)', async () => {
  for (const dtype of ['float64', 'float32'] as const) {
    await checkGradient({
      dtype,
      inputs: { c: { dims: [2, 3] }, x: { dims: [2, 3] }, y: { dims: [2, 3] } },
      wrt: ['x', 'y'],
      build: (b, h) => b.node('Where', [b.node('Greater', ['c', h.floats('zero', [0], [])]), 'x', 'y']),
    });
  }
});

test('Where: condition, X and Y all broadcast to the output', async () => {
  await checkGradient({
    inputs: { c: { dims: [2, 1, 4] }, x: { dims: [3, 1] }, y: { dims: [2, 3, 4] } },
    wrt: ['x', 'y'],
    build: (b, h) => b.node('Where', [b.node('Greater', ['c', h.floats('zero', [0], [])]), 'x', 'y']),
  });
});

test('Where: |x| written as Where(x > 0, x, −x) (values away from 0)', async () => {
  const values = Array.from({ length: 8 }, (_, i) => (i % 3 ? 1 : -1) * (0.2 + i / 5));
  await checkGradient({
    inputs: { x: { dims: [2, 4], values } },
    build: (b, h) => b.node('Where', [b.node('Greater', ['x', h.floats('zero', [0], [])]), 'x', b.node('Neg', ['x'])]),
  });
});
