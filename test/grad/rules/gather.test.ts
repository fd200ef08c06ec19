import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NeurolensError } from '../../../src/errors.js';
import { buildGradientModel } from '../../../src/grad/model.js';
import { gradMessages } from '../../../src/messages/grad.js';
import { makeTensor } from '../../../src/onnx/tensor.js';
import { checkSymbolicBatch, symbolicBatchModel } from '../batch.js';
import { checkGradient } from '../check.js';

test("Gather: a scalar index on axis 1, as a ViT's class-token pick (float64)", async () => {
  await checkGradient({
    inputs: { x: { dims: [2, 5, 3] } },
    build: (b) => b.node('Gather', ['x', b.initializer('index', BigInt64Array.of(0n), [])], { axis: 1 }),
  });
});

test('Gather: a negative scalar index on the last axis, from a Constant node', async () => {
  await checkGradient({
    inputs: { x: { dims: [2, 3, 4] } },
    build: (b) => b.node('Gather', ['x', b.node('Constant', [], { value: makeTensor('', BigInt64Array.of(-2n), []) })], { axis: -1 }),
  });
});

test('Gather: a 1-D index tensor with repeated and negative indices sums the repeats', async () => {
  const { analytic } = await checkGradient({
    inputs: { x: { dims: [2, 4, 3] } },
    build: (b) => b.node('Gather', ['x', b.int64s('indices', [2, 0, -2, 3, 2])], { axis: 1 }),
  });
  // Row 1 of axis 1 is never gathered.
  for (let n = 0; n < 2; n++) for (let k = 0; k < 3; k++) assert.equal(analytic['x']![n * 12 + 3 + k], 0);
});

test('Gather: a 2-D index tensor on axis 0 (int32 indices)', async () => {
  await checkGradient({
    inputs: { x: { dims: [5, 3] } },
    build: (b) => b.node('Gather', ['x', b.initializer('indices', Int32Array.of(4, 1, 1, 0, -1, 3), [2, 3])]),
  });
});

test('Gather: index from a Constant node, opset 11', async () => {
  await checkGradient({
    opset: 11,
    inputs: { x: { dims: [2, 4] } },
    build: (b) => b.node('Gather', ['x', b.node('Constant', [], { value_ints: [3, 3, 1] })], { axis: 1 }),
  });
});

test('Gather: symbolic batch — scalar and 1-D indices on axis 1 keep the run-time batch', async () => {
  await checkSymbolicBatch({ inputs: { x: { dims: [2, 5, 3] } }, build: (b) => b.node('Gather', ['x', b.initializer('i', BigInt64Array.of(0n), [])], { axis: 1 }) });
  await checkSymbolicBatch({ inputs: { x: { dims: [2, 5, 3] } }, build: (b) => b.node('Gather', ['x', b.int64s('i', [4, 0, 4])], { axis: 1 }) });
});

test('Gather: along a symbolic batch axis is the one-line error naming the node', async () => {
  const model = symbolicBatchModel({ inputs: { x: { dims: [2, 3] } }, build: (b) => b.node('Gather', ['x', b.int64s('i', [0])], {}, { name: 'g1' }) });
  await assert.rejects(buildGradientModel(model, { targets: [{ tensor: 'g1_output_0' }], wrt: ['x'] }), (e: unknown) => {
    assert.ok(e instanceof NeurolensError);
    assert.equal(e.message, gradMessages.dynamicAxis('Gather', 'g1', 0));
    return true;
  });
});
