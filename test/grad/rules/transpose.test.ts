import { test } from 'node:test';
import { checkGradient } from '../check.js';

test('Transpose: an explicit perm whose inverse differs from it (float64)', async () => {
  await checkGradient({ inputs: { x: { dims: [2, 3, 4, 5] } }, build: (b) => b.node('Transpose', ['x'], { perm: [0, 2, 3, 1] }) });
});

test('Transpose: default perm (axes reversed)', async () => {
  await checkGradient({ inputs: { x: { dims: [2, 3, 4] } }, build: (b) => b.node('Transpose', ['x']) });
});
