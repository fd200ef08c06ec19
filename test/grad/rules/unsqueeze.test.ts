import { test } from 'node:test';
import { checkGradient } from '../check.js';

test('Unsqueeze: axes input (opset 13+), two axes incl. a negative one (float64)', async () => {
  await checkGradient({ inputs: { x: { dims: [2, 3] } }, build: (b) => b.node('Unsqueeze', ['x', b.int64s('axes', [1, -1])]) });
});

test('Unsqueeze: attribute form (opset 11)', async () => {
  await checkGradient({ opset: 11, inputs: { x: { dims: [2, 3] } }, build: (b) => b.node('Unsqueeze', ['x'], { axes: [0, 2] }) });
});
