import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NeurolensError } from '../../../src/errors.js';
import { buildGradientModel } from '../../../src/grad/model.js';
import { gradMessages } from '../../../src/messages/grad.js';
import { checkSymbolicBatch, symbolicBatchModel } from '../batch.js';
import { checkGradient } from '../check.js';
import type { GraphBuilder } from '../../../src/onnx/builder.js';

const INT64_MAX = 9223372036854775807n;

/** Slice of x with constant starts/ends/axes/steps initializers (ends may hold INT64_MAX). */
function slice(b: GraphBuilder, starts: number[], ends: (number | bigint)[], axes?: number[], steps?: number[]): string {
  const inputs = ['x', b.int64s('starts', starts), b.initializer('ends', BigInt64Array.from(ends.map(BigInt)), [ends.length])];
  if (axes) inputs.push(b.int64s('axes', axes));
  if (steps) inputs.push(b.int64s('steps', steps));
  return b.node('Slice', inputs);
}

test('Slice: step 1 on two axes, negative start, INT64_MAX end (float64)', async () => {
  await checkGradient({ inputs: { x: { dims: [2, 5, 6] } }, build: (b) => slice(b, [1, -4], [4, INT64_MAX], [1, 2]) });
});

test('Slice: no axes input, clamped ends', async () => {
  await checkGradient({ inputs: { x: { dims: [3, 4] } }, build: (b) => slice(b, [1, 0], [100, 3]) });
});

test('Slice: steps 2 and 3 with an overhanging last group', async () => {
  await checkGradient({ inputs: { x: { dims: [2, 7, 8] } }, build: (b) => slice(b, [1, 0], [7, 8], [1, 2], [2, 3]) });
});

test('Slice: negative steps (reversal and stride -2), INT64_MIN-like end', async () => {
  await checkGradient({ inputs: { x: { dims: [2, 5, 6] } }, build: (b) => slice(b, [-1, 4], [-100, 0], [1, 2], [-1, -2]) });
});

test('Slice: an empty slice has a zero gradient', async () => {
  await checkGradient({
    inputs: { x: { dims: [2, 3] } },
    build: (b) => b.node('Concat', [slice(b, [2], [1], [1]), 'x'], { axis: 1 }),
  });
});

test('Slice: attribute form (opset 9)', async () => {
  await checkGradient({ opset: 9, inputs: { x: { dims: [3, 4] } }, build: (b) => b.node('Slice', ['x'], { starts: [1, -3], ends: [3, 100], axes: [0, 1] }) });
});

test('Slice: starts from a Constant node', async () => {
  await checkGradient({
    inputs: { x: { dims: [3, 4] } },
    build: (b) => {
      const starts = b.node('Constant', [], { value_ints: [1] });
      return b.node('Slice', ['x', starts, b.int64s('ends', [3]), b.int64s('axes', [1])]);
    },
  });
});

test('Slice: symbolic batch — a full [0:INT64_MAX] batch slice is skipped, strided axes reshape around the batch', async () => {
  await checkSymbolicBatch({ inputs: { x: { dims: [2, 5, 6] } }, build: (b) => slice(b, [0, 4, 1], [INT64_MAX, 0, 6], [0, 1, 2], [1, -2, 2]) });
});

test('Slice: a partial slice along a symbolic batch axis is the one-line error naming the node', async () => {
  const model = symbolicBatchModel({ inputs: { x: { dims: [2, 3] } }, build: (b) => b.node('Slice', ['x', b.int64s('s', [1]), b.int64s('e', [2]), b.int64s('a', [0])], {}, { name: 's1' }) });
  await assert.rejects(buildGradientModel(model, { targets: [{ tensor: 's1_output_0' }], wrt: ['x'] }), (e: unknown) => {
    assert.ok(e instanceof NeurolensError);
    assert.equal(e.message, gradMessages.dynamicAxis('Slice', 's1', 0));
    return true;
  });
});
