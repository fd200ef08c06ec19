import { test } from 'node:test';
import { checkGradient } from '../check.js';

test('Reshape: a shape with 0 (copy) and -1 (inferred) (float64)', async () => {
  await checkGradient({ inputs: { x: { dims: [2, 3, 4] } }, build: (b) => b.node('Reshape', ['x', b.int64s('shape', [0, -1, 2])]) });
});

test('Reshape: a shape computed at run time (Shape → Gather → Concat) is never read', async () => {
  await checkGradient({
    inputs: { x: { dims: [2, 3, 4] } },
    build: (b) => {
      const batch = b.node('Gather', [b.node('Shape', ['x']), b.int64s('first', [0])]);
      return b.node('Reshape', ['x', b.node('Concat', [batch, b.int64s('rest', [-1])], { axis: 0 })]);
    },
  });
});
