import { test } from 'node:test';
import { checkGradient } from '../check.js';

for (const dtype of ['float64', 'float32'] as const) {
  test(`Neg: finite differences (${dtype})`, async () => {
    await checkGradient({ dtype, inputs: { x: { dims: [2, 3] } }, build: (b) => b.node('Neg', ['x']) });
  });
}
