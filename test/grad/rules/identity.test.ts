import { test } from 'node:test';
import { checkGradient } from '../check.js';

test('Identity: gradient passes unchanged, also between two other ops (float64)', async () => {
  await checkGradient({ inputs: { x: { dims: [2, 3] } }, build: (b) => b.node('Identity', ['x']) });
  await checkGradient({ inputs: { x: { dims: [2, 3] } }, build: (b) => b.node('Exp', [b.node('Identity', [b.node('Tanh', ['x'])])]) });
});
