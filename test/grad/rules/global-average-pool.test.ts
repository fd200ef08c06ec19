import { test } from 'node:test';
import { checkGradient } from '../check.js';

test('GlobalAveragePool: 2-D and 1-D maps (float32: no double kernel)', async () => {
  await checkGradient({ dtype: 'float32', inputs: { x: { dims: [2, 3, 4, 5] } }, build: (b) => b.node('GlobalAveragePool', ['x']) });
  await checkGradient({ dtype: 'float32', inputs: { x: { dims: [2, 3, 6] } }, build: (b) => b.node('GlobalAveragePool', ['x']) });
});
