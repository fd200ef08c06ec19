import { test } from 'node:test';
import { checkGradient } from '../check.js';
import { reduceCases } from './reduce-cases.js';

for (const c of reduceCases('ReduceSum', 13)) {
  test(`ReduceSum: ${c.title}`, async () => {
    await checkGradient({ opset: c.opset, inputs: { x: { dims: [2, 3, 4] } }, build: c.build });
  });
}
