import { test } from 'node:test';
import { checkGradient } from '../check.js';

for (const dtype of ['float64', 'float32'] as const) {
  test(`Exp: finite differences (${dtype})`, async () => {
    await checkGradient({ dtype, inputs: { x: { dims: [2, 3, 2] } }, build: (b) => b.node('Exp', ['x']) });
  });
}
