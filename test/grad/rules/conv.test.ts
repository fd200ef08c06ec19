import { test } from 'node:test';
import { checkGradient, type Dtype } from '../check.js';
import type { AttrValue } from '../../../src/onnx/builder.js';

function convCase(x: number[], w: number[], attrs: Record<string, AttrValue>, dtype: Dtype = 'float64') {
  return checkGradient({
    dtype,
    inputs: { x: { dims: x } },
    build: (b, c) => {
      const n = w.reduce((a, v) => a * v, 1);
      const weight = c.floats('w', Array.from({ length: n }, () => c.random.normal()), w);
      const bias = c.floats('b', Array.from({ length: w[0]! }, () => c.random.normal()), [w[0]!]);
      return b.node('Conv', ['x', weight, bias], attrs);
    },
  });
}

const dtype: Dtype = 'float32'; // onnxruntime's CPU Conv has no double kernel

test('Conv: 3×3, stride 1, pads 1', async () => {
  await convCase([2, 3, 5, 5], [4, 3, 3, 3], { pads: [1, 1, 1, 1] }, dtype);
});

test('Conv: stride 2 with rows the window never reaches (output_padding)', async () => {
  await convCase([1, 2, 6, 7], [3, 2, 3, 3], { strides: [2, 2] }, dtype);
  await convCase([1, 2, 7, 7], [3, 2, 3, 3], { strides: [2, 2], pads: [1, 0, 1, 0] }, dtype);
});

test('Conv: dilation 2, asymmetric pads', async () => {
  await convCase([1, 2, 7, 6], [2, 2, 3, 2], { dilations: [2, 2], pads: [2, 1, 1, 0] }, dtype);
});

test('Conv: groups and depthwise', async () => {
  await convCase([1, 4, 5, 5], [6, 2, 3, 3], { group: 2, pads: [1, 1, 1, 1] }, dtype);
  await convCase([2, 3, 5, 5], [3, 1, 3, 3], { group: 3, strides: [2, 2], pads: [1, 1, 1, 1] }, dtype);
});

test('Conv: auto_pad SAME_UPPER / SAME_LOWER with stride 2', async () => {
  await convCase([1, 2, 6, 5], [2, 2, 3, 3], { auto_pad: 'SAME_UPPER', strides: [2, 2] }, dtype);
  await convCase([1, 2, 6, 5], [2, 2, 4, 4], { auto_pad: 'SAME_LOWER', strides: [2, 2] }, dtype);
});

test('Conv: 1-D convolution', async () => {
  await convCase([2, 3, 9], [2, 3, 3], { strides: [2], pads: [1, 1] }, dtype);
});

test('Conv: pads wider than the kernel reaches (the transposed-conv form)', async () => {
  await convCase([1, 2, 4, 4], [3, 2, 1, 1], { pads: [1, 2, 0, 1] }, dtype);
  await convCase([1, 2, 5, 5], [3, 2, 3, 3], { pads: [3, 0, 0, 3] }, dtype);
});

test('Conv: depthwise 3×3 and 1×1, stride 1 (the flipped-conv form)', async () => {
  await convCase([2, 4, 6, 5], [4, 1, 3, 3], { group: 4, pads: [1, 1, 1, 1] }, dtype);
  await convCase([2, 4, 3, 3], [6, 4, 1, 1], {}, dtype);
});
