import { test } from 'node:test';
import { checkGradient } from '../check.js';

/** Both signs, |x| ≥ 0.5: far enough from the pole at 0. */
const awayFromZero = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * (0.5 + i / 4));

for (const dtype of ['float64', 'float32'] as const) {
  test(`Reciprocal: both signs, away from 0 (${dtype})`, async () => {
    await checkGradient({ dtype, inputs: { x: { dims: [2, 4], values: awayFromZero(8) } }, build: (b) => b.node('Reciprocal', ['x']) });
  });
}
