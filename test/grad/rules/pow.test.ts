import { test } from 'node:test';
import { checkGradient } from '../check.js';

const positive = (n: number) => Array.from({ length: n }, (_, i) => 0.3 + i * 0.25);

test('Pow: base only, float exponents 2, 3 and 0.5 as initializers (float64)', async () => {
  for (const e of [2, 3, 0.5]) {
    await checkGradient({ inputs: { x: { dims: [2, 3], values: positive(6) } }, build: (b, c) => b.node('Pow', ['x', c.floats('e', [e], [])]) });
  }
});

test('Pow: integer (int64) exponent, negative bases included (float64)', async () => {
  await checkGradient({
    inputs: { x: { dims: [2, 3] } },
    build: (b) => b.node('Pow', ['x', b.initializer('e', BigInt64Array.from([3n]), [])]),
  });
});

test('Pow: base and exponent both differentiated, positive bases, broadcast exponent (float64 and float32)', async () => {
  for (const dtype of ['float64', 'float32'] as const) {
    await checkGradient({
      dtype,
      inputs: { x: { dims: [2, 3], values: positive(6) }, y: { dims: [3], values: [-1.5, 0.5, 2.25] } },
      build: (b) => b.node('Pow', ['x', 'y']),
    });
  }
});

test('Pow: exponent only, broadcast base (float64)', async () => {
  await checkGradient({
    inputs: { y: { dims: [2, 3] } },
    build: (b, c) => b.node('Pow', [c.floats('base', [0.5, 1.5, 3], [3]), 'y']),
  });
});
