import { test } from 'node:test';
import { checkGradient } from '../check.js';

test('Erf: finite differences, float32 (onnxruntime has no double Erf kernel)', async () => {
  await checkGradient({ dtype: 'float32', inputs: { x: { dims: [2, 3, 4] } }, build: (b) => b.node('Erf', ['x']) });
});
