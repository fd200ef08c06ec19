import { test } from 'node:test';
import { checkGradient } from '../check.js';

test('Relu: finite differences (float64), values away from the kink', async () => {
  await checkGradient({
    inputs: { x: { dims: [2, 3, 4], values: Array.from({ length: 24 }, (_, i) => (i % 2 ? 1 : -1) * (0.1 + i / 10)) } },
    build: (b) => b.node('Relu', ['x']),
  });
});
