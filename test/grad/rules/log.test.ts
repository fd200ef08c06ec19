import { test } from 'node:test';
import { checkGradient } from '../check.js';

const positive = (n: number) => Array.from({ length: n }, (_, i) => 0.2 + i * 0.3);

for (const dtype of ['float64', 'float32'] as const) {
  test(`Log: positive inputs (${dtype})`, async () => {
    await checkGradient({ dtype, inputs: { x: { dims: [2, 5], values: positive(10) } }, build: (b) => b.node('Log', ['x']) });
  });
}
