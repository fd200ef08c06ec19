import { test } from 'node:test';
import { checkGradient } from '../check.js';
import type { AttrValue } from '../../../src/onnx/builder.js';

function softmaxCase(op: string, dims: number[], attrs: Record<string, AttrValue>, opset: number) {
  return checkGradient({ opset, inputs: { x: { dims } }, build: (b) => b.node(op, ['x'], attrs) });
}

for (const op of ['Softmax', 'LogSoftmax']) {
  test(`${op} (opset 13+): per axis, default −1, axis 1 and a negative axis`, async () => {
    await softmaxCase(op, [2, 5], {}, 17);
    await softmaxCase(op, [2, 3, 4], { axis: 1 }, 13);
    await softmaxCase(op, [2, 3, 4], { axis: -2 }, 17);
  });

  test(`${op} (opset < 13): the 2-D coercion normalises every axis from axis on`, async () => {
    await softmaxCase(op, [2, 3, 4], {}, 11);
    await softmaxCase(op, [2, 3, 2, 2], { axis: 2 }, 11);
    await softmaxCase(op, [2, 3, 4], { axis: -1 }, 11);
  });
}
