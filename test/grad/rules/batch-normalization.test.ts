import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NeurolensError } from '../../../src/errors.js';
import { checkGradient } from '../check.js';

const C = 3;
const positive = [0.5, 1.3, 2.1];

for (const opset of [9, 14, 15]) {
  test(`BatchNormalization (opset ${opset}): dx with scale, bias, mean and var as initializers`, async () => {
    await checkGradient({
      opset,
      inputs: { x: { dims: [2, C, 3, 2] } },
      build: (b, c) => {
        const p = (name: string, values: number[]) => c.floats(name, values, [C]);
        return b.node('BatchNormalization', ['x', p('scale', [1.5, -0.7, 2]), p('bias', [0.1, 0.2, -0.3]), p('mean', [0.3, -0.2, 1]), p('var', positive)], { epsilon: 0.01 });
      },
    });
  });
}

test('BatchNormalization: every input on the path (scale, bias, mean, var computed), 1-D and 2-D maps', async () => {
  for (const dims of [[2, C, 4], [2, C, 2, 3]]) {
    await checkGradient({
      inputs: { x: { dims }, scale: { dims: [C] }, bias: { dims: [C] }, mean: { dims: [C] }, variance: { dims: [C], values: positive } },
      build: (b) => b.node('BatchNormalization', ['x', 'scale', 'bias', 'mean', 'variance']),
    });
  }
});

test('BatchNormalization in training mode is a one-line error naming the node', async () => {
  await assert.rejects(
    checkGradient({
      inputs: { x: { dims: [2, C, 2] } },
      build: (b, c) => {
        const p = (name: string, values: number[]) => c.floats(name, values, [C]);
        const [y] = b.nodeOutputs('BatchNormalization', ['x', p('s', [1, 2, 3]), p('b', [0, 0, 0]), p('m', [0, 0, 0]), p('v', positive)], { training_mode: 1 }, { name: 'bn1', outputs: 3 });
        return y!;
      },
    }),
    (error: unknown) => error instanceof NeurolensError && /"bn1".*training mode/.test(error.message) && !error.message.includes('\n'),
  );
});
