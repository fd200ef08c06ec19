import { test } from 'node:test';
import { checkGradient } from '../check.js';

const values = Array.from({ length: 24 }, (_, i) => -4 + i * 0.35);

test("Gelu (opset 20): approximate 'none', float32 (onnxruntime expands it with Erf, which has no double kernel)", async () => {
  await checkGradient({ dtype: 'float32', opset: 20, inputs: { x: { dims: [2, 3, 4], values } }, build: (b) => b.node('Gelu', ['x']) });
});

test("Gelu (opset 20): approximate 'tanh' (float64 and float32)", async () => {
  for (const dtype of ['float64', 'float32'] as const) {
    await checkGradient({ dtype, opset: 20, inputs: { x: { dims: [2, 3, 4], values } }, build: (b) => b.node('Gelu', ['x'], { approximate: 'tanh' }) });
  }
});
