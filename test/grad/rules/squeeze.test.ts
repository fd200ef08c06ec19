import { test } from 'node:test';
import { checkGradient } from '../check.js';

test('Squeeze: axes input (opset 13+), negative axis (float64)', async () => {
  await checkGradient({ inputs: { x: { dims: [2, 1, 3, 1] } }, build: (b) => b.node('Squeeze', ['x', b.int64s('axes', [-1])]) });
});

test('Squeeze: attribute form (opset 11) and no axes (every size-1 axis)', async () => {
  await checkGradient({ opset: 11, inputs: { x: { dims: [2, 1, 3, 1] } }, build: (b) => b.node('Squeeze', ['x'], { axes: [1] }) });
  await checkGradient({ inputs: { x: { dims: [2, 1, 3, 1] } }, build: (b) => b.node('Squeeze', ['x']) });
});
