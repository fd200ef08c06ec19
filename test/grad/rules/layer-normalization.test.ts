import { test } from 'node:test';
import { checkGradient, type Dtype } from '../check.js';

// onnxruntime's CPU LayerNormalization has a double kernel as long as its optional Mean/InvStdDev
// outputs (float32 by stash_type) are not asked for.
const dtype: Dtype = 'float64';

test('LayerNormalization (opset 17): axis −1 with scale and bias as weights', async () => {
  await checkGradient({
    dtype,
    inputs: { x: { dims: [2, 3, 5] } },
    build: (b, c) => b.node('LayerNormalization', ['x', c.floats('scale', [1, -2, 0.5, 3, 1.5], [5]), c.floats('bias', [0, 1, 2, 3, 4], [5])], { epsilon: 1e-3 }),
  });
});

test('LayerNormalization: axis −2, gradients of X, scale and bias', async () => {
  await checkGradient({
    dtype,
    inputs: { x: { dims: [2, 3, 4] }, scale: { dims: [3, 4] }, bias: { dims: [3, 4] } },
    build: (b) => b.node('LayerNormalization', ['x', 'scale', 'bias'], { axis: -2 }),
  });
});

test('LayerNormalization: no bias, scale broadcast over the normalised axes, Mean/InvStdDev outputs present (float32: those outputs rule out double)', async () => {
  await checkGradient({
    dtype: 'float32',
    inputs: { x: { dims: [2, 4, 3] }, scale: { dims: [1, 3] } },
    build: (b) => b.nodeOutputs('LayerNormalization', ['x', 'scale'], { axis: 1 }, { outputs: 3 })[0]!,
  });
});

// The form exporters emit when LayerNormalization is not available (opset < 17).
test('LayerNormalization decomposed as exported (ReduceMean, Sub, Pow, ReduceMean, Add ε, Sqrt, Div, Mul, Add)', async () => {
  await checkGradient({
    dtype,
    opset: 13,
    inputs: { x: { dims: [2, 3, 4] } },
    build: (b, c) => {
      const mu = b.node('ReduceMean', ['x'], { axes: [-1], keepdims: 1 });
      const centred = b.node('Sub', ['x', mu]);
      const squared = b.node('Pow', [centred, c.floats('two', [2], [])]);
      const variance = b.node('ReduceMean', [squared], { axes: [-1], keepdims: 1 });
      const std = b.node('Sqrt', [b.node('Add', [variance, c.floats('eps', [1e-5], [])])]);
      const normalised = b.node('Div', [centred, std]);
      const scaled = b.node('Mul', [normalised, c.floats('scale', [1, -2, 0.5, 3], [4])]);
      return b.node('Add', [scaled, c.floats('bias', [0.1, 0.2, 0.3, 0.4], [4])]);
    },
  });
});
