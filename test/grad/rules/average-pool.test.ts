import { test } from 'node:test';
import type { AttrValue } from '../../../src/onnx/builder.js';
import { checkGradient } from '../check.js';

// onnxruntime's CPU AveragePool (and ConvTranspose) have no double kernel.
function poolCase(dims: number[], attrs: Record<string, AttrValue>, opset = 17) {
  return checkGradient({ dtype: 'float32', opset, inputs: { x: { dims } }, build: (b) => b.node('AveragePool', ['x'], attrs) });
}

test('AveragePool (float32): 2×2 stride 2 and overlapping 3×3 stride 1', async () => {
  await poolCase([2, 3, 4, 4], { kernel_shape: [2, 2], strides: [2, 2] });
  await poolCase([1, 2, 5, 5], { kernel_shape: [3, 3] });
});

test('AveragePool (float32): pads with count_include_pad 0 and 1', async () => {
  for (const count_include_pad of [0, 1]) {
    await poolCase([1, 2, 5, 6], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad });
    await poolCase([1, 2, 5, 6], { kernel_shape: [3, 2], strides: [1, 2], pads: [2, 0, 1, 1], count_include_pad });
  }
});

test('AveragePool (float32): ceil_mode windows past the padded end, rows no window reaches', async () => {
  for (const count_include_pad of [0, 1]) {
    await poolCase([1, 2, 6, 6], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1, count_include_pad });
    await poolCase([1, 2, 7, 6], { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 0, 0], ceil_mode: 1, count_include_pad });
  }
  await poolCase([1, 1, 7, 8], { kernel_shape: [2, 2], strides: [3, 3] });
});

test('AveragePool (float32): auto_pad SAME_UPPER and SAME_LOWER', async () => {
  await poolCase([1, 2, 5, 6], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' });
  await poolCase([1, 2, 5, 6], { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_LOWER' });
});

test('AveragePool (float32): dilations (opset 19) and 1-D pooling', async () => {
  await poolCase([1, 2, 7, 7], { kernel_shape: [2, 2], dilations: [2, 2], pads: [1, 1, 1, 1] }, 19);
  await poolCase([2, 3, 9], { kernel_shape: [3], strides: [2], pads: [1, 1], count_include_pad: 1 });
});
