import assert from 'node:assert/strict';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { buildGradientModel } from '../../../src/grad/model.js';
import { GraphBuilder } from '../../../src/onnx/builder.js';
import { encodeModel } from '../../../src/onnx/codec.js';
import { DATA_TYPE } from '../../../src/onnx/types.js';
import { checkGradient } from '../check.js';

for (const opset of [17, 13]) {
  test(`Cast to the same float type passes the gradient (opset ${opset}: ${opset >= 15 ? 'CastLike' : 'Cast'}), float64 and float32`, async () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const to = dtype === 'float64' ? DATA_TYPE.float64 : DATA_TYPE.float32;
      await checkGradient({ dtype, opset, inputs: { x: { dims: [2, 3] } }, build: (b) => b.node('Tanh', [b.node('Cast', ['x'], { to })]) });
    }
  });
}

/** dL/dx of L = Σ seed·(w·Cast(x)), x of type `from` cast to `to`; returns the gradient tensor. */
async function castGradient(from: 'float32' | 'float64', to: 'float32' | 'float64', x: number[], w: number[], seed: number[]) {
  const array = (t: string, v: number[]) => (t === 'float64' ? Float64Array.from(v) : Float32Array.from(v));
  const b = new GraphBuilder({ opset: 17 });
  b.input('x', [x.length], from);
  const cast = b.node('Cast', ['x'], { to: to === 'float64' ? DATA_TYPE.float64 : DATA_TYPE.float32 });
  const y = b.node('Mul', [cast, b.initializer('w', array(to, w), [w.length])]);
  b.output(y, undefined, to);
  const graph = await buildGradientModel(b.build(), { targets: [{ tensor: y }], wrt: ['x'] });
  const session = await ort.InferenceSession.create(encodeModel(graph.model), { logSeverityLevel: 3 });
  try {
    const out = await session.run({ x: new ort.Tensor(from, array(from, x), [x.length]), [graph.names.seeds[0]!]: new ort.Tensor(to, array(to, seed), [seed.length]) });
    return out[graph.names.grads.x!]!;
  } finally {
    await session.release();
  }
}

test('Cast between float types: the gradient is cast back to the input type (float32 → float64 and float64 → float32)', async () => {
  const x = [0.5, -1.25, 2];
  const w = [3, -0.5, 0.25];
  const seed = [1, 2, -4];
  for (const [from, to] of [['float32', 'float64'], ['float64', 'float32']] as const) {
    const grad = await castGradient(from, to, x, w, seed);
    assert.equal(grad.type, from, `gradient type for ${from} → ${to}`);
    assert.deepEqual([...(grad.data as Float32Array)], w.map((v, i) => v * seed[i]!));
  }
});
