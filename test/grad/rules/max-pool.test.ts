import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NeurolensError } from '../../../src/errors.js';
import type { AttrValue } from '../../../src/onnx/builder.js';
import { Random } from '../../../src/util/random.js';
import { checkGradient, type Dtype } from '../check.js';

/** Distinct values 0.1 apart in random order: every window's max is unique, far beyond the step h. */
function distinct(n: number, seed: number): number[] {
  const values = Array.from({ length: n }, (_, i) => i * 0.1 - n * 0.05);
  const random = new Random(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return values;
}

function poolCase(dims: number[], attrs: Record<string, AttrValue>, opset: number, dtype: Dtype, outputs = 1) {
  const n = dims.reduce((a, b) => a * b, 1);
  return checkGradient({
    dtype,
    opset,
    inputs: { x: { dims, values: distinct(n, n + opset) } },
    build: (b) => b.nodeOutputs('MaxPool', ['x'], attrs, { outputs })[0]!,
  });
}

// The scatter form (opset ≥ 16) runs in float64; the older one spreads with ConvTranspose, which
// has no double kernel, so those cases run in float32.
for (const [opset, dtype] of [[17, 'float64'], [13, 'float32']] as const) {
  test(`MaxPool (opset ${opset}, ${dtype}): 2×2 stride 2, batch and channels (indices span planes)`, async () => {
    await poolCase([2, 3, 4, 4], { kernel_shape: [2, 2], strides: [2, 2] }, opset, dtype);
  });

  test(`MaxPool (opset ${opset}, ${dtype}): overlapping 3×3 stride 2 windows sum where one element is the max of several`, async () => {
    // Plant a global maximum at the centre of a 5×5 plane: it is the max of all four windows.
    const dims = [1, 2, 5, 5];
    const values = distinct(50, 3);
    values[12] = 100;
    const result = await checkGradient({
      dtype,
      opset,
      inputs: { x: { dims, values } },
      build: (b) => b.node('MaxPool', ['x'], { kernel_shape: [3, 3], strides: [2, 2] }),
    });
    assert.notEqual(result.analytic.x![12], 0);
    await poolCase([2, 2, 7, 7], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, opset, dtype);
  });

  test(`MaxPool (opset ${opset}, ${dtype}): ceil_mode, dilations, asymmetric pads, auto_pad`, async () => {
    await poolCase([1, 2, 6, 6], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }, opset, dtype);
    await poolCase([1, 2, 7, 6], { kernel_shape: [2, 2], dilations: [2, 2], pads: [1, 0, 0, 1] }, opset, dtype);
    await poolCase([1, 2, 5, 6], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }, opset, dtype);
    await poolCase([1, 1, 7, 8], { kernel_shape: [2, 2], strides: [3, 3] }, opset, dtype);
  });

  test(`MaxPool (opset ${opset}, ${dtype}): 1-D pooling, and a node that outputs its own Indices`, async () => {
    await poolCase([2, 3, 9], { kernel_shape: [3], strides: [2], pads: [1, 1] }, opset, dtype);
    await poolCase([2, 2, 5, 5], { kernel_shape: [3, 3], strides: [1, 1] }, opset, dtype, 2);
  });
}

test('MaxPool at opset 7 (no Indices output) is a one-line error naming the node', async () => {
  await assert.rejects(
    checkGradient({
      dtype: 'float32',
      opset: 7,
      inputs: { x: { dims: [1, 1, 4, 4] } },
      build: (b) => b.node('MaxPool', ['x'], { kernel_shape: [2, 2] }, { name: 'pool1' }),
    }),
    (error: unknown) => error instanceof NeurolensError && /"pool1".*opset 8 or later/.test(error.message) && !error.message.includes('\n'),
  );
});

test('MaxPool (opset 8, float32): the oldest opset with Indices, overlapping windows with pads', async () => {
  await poolCase([2, 2, 7, 7], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, 8, 'float32');
});
