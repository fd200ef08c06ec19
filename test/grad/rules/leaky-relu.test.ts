import { test } from 'node:test';
import { checkGradient } from '../check.js';

/** Alternating signs, |x| ≥ 0.1: no value within a finite-difference step of the kink. */
const awayFromZero = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1) * (0.1 + i / 10));

test('LeakyRelu: default alpha (0.01) and alpha 0.3, float64', async () => {
  await checkGradient({ inputs: { x: { dims: [2, 3, 4], values: awayFromZero(24) } }, build: (b) => b.node('LeakyRelu', ['x']) });
  await checkGradient({ inputs: { x: { dims: [2, 3, 4], values: awayFromZero(24) } }, build: (b) => b.node('LeakyRelu', ['x'], { alpha: 0.3 }) });
});

test('LeakyRelu: float32', async () => {
  await checkGradient({ dtype: 'float32', inputs: { x: { dims: [3, 4], values: awayFromZero(12) } }, build: (b) => b.node('LeakyRelu', ['x'], { alpha: 0.2 }) });
});
