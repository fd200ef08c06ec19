import { test } from 'node:test';
import { checkGradient } from '../check.js';

test('Flatten: axis 1 and axis 2', async () => {
  await checkGradient({ inputs: { x: { dims: [2, 3, 4] } }, build: (b) => b.node('Flatten', ['x']) });
  await checkGradient({ inputs: { x: { dims: [2, 3, 4, 2] } }, build: (b) => b.node('Flatten', ['x'], { axis: 2 }) });
});
