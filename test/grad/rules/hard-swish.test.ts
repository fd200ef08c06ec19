import { test } from 'node:test';
import { checkGradient } from '../check.js';

test('HardSwish: flat, curved and linear parts (kinks ±3 avoided), float32 (onnxruntime has no double kernel)', async () => {
  const values = Array.from({ length: 20 }, (_, i) => -4.9 + i * 0.51);
  await checkGradient({ dtype: 'float32', inputs: { x: { dims: [4, 5], values } }, build: (b) => b.node('HardSwish', ['x']) });
});
