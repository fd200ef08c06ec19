import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkGradient } from '../check.js';
import type { GraphBuilder } from '../../../src/onnx/builder.js';

/** Split's outputs (or only `used` of them) flattened and concatenated into one target (the check's seed is random). */
function combine(b: GraphBuilder, parts: string[], used: number[] = parts.map((_, i) => i)): string {
  const flat = used.map((i) => b.node('Flatten', [parts[i]!], { axis: 0 }));
  return flat.length === 1 ? flat[0]! : b.node('Concat', flat, { axis: 1 });
}

test('Split: `split` input (opset 13), negative axis (float64)', async () => {
  await checkGradient({
    inputs: { x: { dims: [2, 5, 3] } },
    build: (b) => combine(b, b.nodeOutputs('Split', ['x', b.int64s('split', [1, 3, 1])], { axis: -2 }, { outputs: 3 })),
  });
});

test('Split: `num_outputs` (opset 18) with an uneven last part', async () => {
  await checkGradient({
    opset: 18,
    inputs: { x: { dims: [2, 7] } },
    build: (b) => combine(b, b.nodeOutputs('Split', ['x'], { axis: 1, num_outputs: 3 }, { outputs: 3 })),
  });
});

test('Split: attribute form (opset 11)', async () => {
  await checkGradient({
    opset: 11,
    inputs: { x: { dims: [4, 3] } },
    build: (b) => combine(b, b.nodeOutputs('Split', ['x'], { axis: 0, split: [3, 1] }, { outputs: 2 })),
  });
});

test('Split: outputs no gradient reaches contribute zeros', async () => {
  const { analytic } = await checkGradient({
    inputs: { x: { dims: [2, 6] } },
    build: (b) => combine(b, b.nodeOutputs('Split', ['x'], { axis: 1 }, { outputs: 3 }), [1]),
  });
  const dx = analytic['x']!;
  for (const col of [0, 1, 4, 5]) for (const row of [0, 1]) assert.equal(dx[row * 6 + col], 0);
});
