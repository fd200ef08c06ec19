import { test } from 'node:test';
import { checkGradient } from '../check.js';

/** Denominators kept away from 0 (both signs), so the quotient is smooth around every point. */
const denominators = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * (0.5 + (i % 5) / 4));
const div = (b: { node: (op: string, inputs: string[]) => string }) => b.node('Div', ['a', 'b']);

test('Div: same dims, both inputs (float64 and float32)', async () => {
  await checkGradient({ inputs: { a: { dims: [2, 3] }, b: { dims: [2, 3], values: denominators(6) } }, build: div });
  await checkGradient({ dtype: 'float32', inputs: { a: { dims: [2, 3] }, b: { dims: [2, 3], values: denominators(6) } }, build: div });
});

test('Div: broadcasting sums back over leading and size-1 axes, on either side', async () => {
  await checkGradient({ inputs: { a: { dims: [2, 3, 4] }, b: { dims: [3, 1], values: denominators(3) } }, build: div });
  await checkGradient({ inputs: { a: { dims: [4] }, b: { dims: [2, 3, 1], values: denominators(6) } }, build: div });
});

test('Div: only the denominator differentiated (the numerator a weight)', async () => {
  await checkGradient({ inputs: { b: { dims: [2, 3], values: denominators(6) } }, build: (b, c) => b.node('Div', [c.floats('w', [1, -2, 3], [3]), 'b']) });
});
