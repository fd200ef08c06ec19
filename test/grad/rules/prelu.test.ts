import { test } from 'node:test';
import { checkGradient } from '../check.js';

/** Alternating signs, |x| ≥ 0.1: no value within a finite-difference step of the kink. */
const awayFromZero = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1) * (0.1 + i / 10));

test('PRelu: per-channel slope [C,1,1] as an initializer, gradient of x (float64 and float32)', async () => {
  for (const dtype of ['float64', 'float32'] as const) {
    await checkGradient({
      dtype,
      inputs: { x: { dims: [2, 3, 2, 2], values: awayFromZero(24) } },
      build: (b, c) => b.node('PRelu', ['x', c.floats('slope', [0.25, -0.5, 2], [3, 1, 1])]),
    });
  }
});

test('PRelu: one shared slope [1]', async () => {
  await checkGradient({ inputs: { x: { dims: [2, 5], values: awayFromZero(10) } }, build: (b, c) => b.node('PRelu', ['x', c.floats('slope', [0.1], [1])]) });
});

test('PRelu: slope as a differentiated input gets Σ dy·x over the negative part', async () => {
  await checkGradient({
    inputs: { x: { dims: [2, 3, 2, 2], values: awayFromZero(24) }, slope: { dims: [3, 1, 1], values: [0.25, -0.5, 2] } },
    build: (b) => b.node('PRelu', ['x', 'slope']),
  });
});
