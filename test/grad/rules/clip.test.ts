import { test } from 'node:test';
import { checkGradient } from '../check.js';

/** Values over [−2.9, 2.9] (step ≈ 0.41), none within 0.07 of the bounds ±1, ±2 used below. */
const spread = (n: number) => Array.from({ length: n }, (_, i) => -2.9 + ((i * 7) % n) * (5.8 / (n - 1)));

test('Clip (opset 17): min and max inputs, gradient only strictly between them (float64)', async () => {
  await checkGradient({
    inputs: { x: { dims: [3, 5], values: spread(15) } },
    build: (b, c) => b.node('Clip', ['x', c.floats('lo', [-1], []), c.floats('hi', [2], [])]),
  });
});

test('Clip (opset 17): only max (min omitted as \'\'), only min, no bounds', async () => {
  const x = { dims: [3, 5], values: spread(15) };
  await checkGradient({ inputs: { x }, build: (b, c) => b.node('Clip', ['x', '', c.floats('hi', [1], [])]) });
  await checkGradient({ inputs: { x }, build: (b, c) => b.node('Clip', ['x', c.floats('lo', [-2], [])]) });
  await checkGradient({ inputs: { x }, build: (b) => b.node('Clip', ['x']) });
});

test('Clip (opset 17): ReLU6 in float32', async () => {
  const x = { dims: [2, 8], values: Array.from({ length: 16 }, (_, i) => -2.05 + i * 0.6) };
  await checkGradient({ dtype: 'float32', inputs: { x }, build: (b, c) => b.node('Clip', ['x', c.floats('lo', [0], []), c.floats('hi', [6], [])]) });
});

test('Clip (opset 11): min/max inputs, float32 (onnxruntime has no double Clip-11 kernel)', async () => {
  await checkGradient({
    dtype: 'float32',
    opset: 11,
    inputs: { x: { dims: [3, 5], values: spread(15) } },
    build: (b, c) => b.node('Clip', ['x', c.floats('lo', [-1], []), c.floats('hi', [2], [])]),
  });
});

// Clip-6's attribute form, in the oldest and newest opsets that use it. A model at opset 6 itself
// runs forward, but onnxruntime has no comparison kernels before opset 7 to build its backward pass.
for (const opset of [7, 10]) {
  test(`Clip (opset ${opset}): min/max attributes and a missing max, float32 (no double kernel for Clip before opset 12)`, async () => {
    const x = { dims: [3, 5], values: spread(15) };
    await checkGradient({ dtype: 'float32', opset, inputs: { x }, build: (b) => b.node('Clip', ['x'], { min: { float: -1 }, max: { float: 2 } }) });
    await checkGradient({ dtype: 'float32', opset, inputs: { x }, build: (b) => b.node('Clip', ['x'], { min: { float: 1 } }) });
  });
}
