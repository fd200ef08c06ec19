import { test } from 'node:test';
import { checkGradient } from '../check.js';

/** Values on a grid over [−4, 4] chosen so that none lies within a step of the kinks (x = −β/α, (1−β)/α). */
const grid = (n: number) => Array.from({ length: n }, (_, i) => -3.95 + i * (7.9 / (n - 1)));

test('HardSigmoid: default alpha/beta (kinks ±2.5), float32 (onnxruntime has no double kernel)', async () => {
  await checkGradient({ dtype: 'float32', inputs: { x: { dims: [2, 9], values: grid(18) } }, build: (b) => b.node('HardSigmoid', ['x']) });
});

test('HardSigmoid: alpha 0.5, beta 0.25 (kinks −0.5, 1.5), float32', async () => {
  const values = grid(18).map((v) => v / 2);
  await checkGradient({
    dtype: 'float32',
    inputs: { x: { dims: [3, 6], values } },
    build: (b) => b.node('HardSigmoid', ['x'], { alpha: 0.5, beta: 0.25 }),
  });
});
