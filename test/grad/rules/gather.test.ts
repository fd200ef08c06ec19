import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkGradient } from '../check.js';

test("Gather: a scalar index on axis 1, as a ViT's class-token pick (float64)", async () => {
  await checkGradient({
    inputs: { x: { dims: [2, 5, 3] } },
    build: (b) => b.node('Gather', ['x', b.initializer('index', BigInt64Array.of(0n), [])], { axis: 1 }),
  });
});

test('Gather: a negative scalar index on the last axis', async () => {
  await checkGradient({
    inputs: { x: { dims: [2, 3, 4] } },
    build: (b) => b.node('Gather', ['x', b.initializer('index', BigInt64Array.of(-2n), [])], { axis: -1 }),
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
