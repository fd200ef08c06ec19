import assert from 'node:assert/strict';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { buildGradientModel } from '../../../src/grad/model.js';
import { GraphBuilder } from '../../../src/onnx/builder.js';
import { encodeModel } from '../../../src/onnx/codec.js';
import { checkGradient } from '../check.js';
import { reduceCases } from './reduce-cases.js';

for (const c of reduceCases('ReduceMean', 18)) {
  test(`ReduceMean: ${c.title}`, async () => {
    await checkGradient({ opset: c.opset, inputs: { x: { dims: [2, 3, 4] } }, build: c.build });
  });
}

test('ReduceMean over a symbolic batch dim divides by the batch fed (counted at run time)', async () => {
  const b = new GraphBuilder({ opset: 17 });
  b.input('x', ['batch', 3], 'float64');
  b.output(b.node('ReduceMean', ['x'], { keepdims: 0 }, { outputs: ['y'] }), undefined, 'float64');
  const graph = await buildGradientModel(b.build(), { targets: [{ tensor: 'y' }], wrt: ['x'] });
  const session = await ort.InferenceSession.create(encodeModel(graph.model), { logSeverityLevel: 3 });
  try {
    for (const batch of [1, 4]) {
      const x = new ort.Tensor('float64', new Float64Array(batch * 3).fill(1), [batch, 3]);
      const seed = new ort.Tensor('float64', new Float64Array([6]), []);
      const out = await session.run({ x, [graph.names.seeds[0]!]: seed });
      const grad = Array.from(out[graph.names.grads.x!]!.data as Float64Array);
      assert.deepEqual(grad, new Array(batch * 3).fill(6 / (batch * 3)));
    }
  } finally {
    await session.release();
  }
});
