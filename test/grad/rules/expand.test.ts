import { test } from 'node:test';
import { checkGradient } from '../check.js';

test('Expand: size-1 axes and new leading axes are summed back (float64)', async () => {
  await checkGradient({ inputs: { x: { dims: [3, 1] } }, build: (b) => b.node('Expand', ['x', b.int64s('shape', [2, 3, 4])]) });
});

test("Expand: a shape with 1s keeps x's larger dims (numpy max)", async () => {
  await checkGradient({ inputs: { x: { dims: [2, 1, 4] } }, build: (b) => b.node('Expand', ['x', b.int64s('shape', [1, 3, 1])]) });
});
