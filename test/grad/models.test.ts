/**
 * Whole-model gradients: the autodiff graph run by onnxruntime (float32) against central finite
 * differences of a float64 reference evaluation of the same graph (reference.ts), for the input
 * and for an internal layer, on the tiny CNNs and the tiny ViT.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GradientModel } from '../../src/grad/model.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { ModelSession } from '../../src/runtime/session.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { Random } from '../../src/util/random.js';
import { tinyPlainCnn, tinyResNet, tinyVit } from '../fixtures/tiny-models.js';
import { evaluate, type Tensor64 } from './reference.js';

const H = 1e-6;

/** ∂⟨seed, logits⟩/∂tensor by central differences of the float64 reference, every element. */
function finiteDifferences(model: ModelProto, input: Tensor64, seed: Float64Array, tensor: string): Float64Array {
  const clean = evaluate(model, { input });
  const base = clean.get(tensor)!;
  const loss = (value: Tensor64) => {
    const logits = evaluate(model, { input }, tensor === 'input' ? { input: value } : { [tensor]: value }).get('logits')!;
    return logits.data.reduce((s, v, i) => s + v * seed[i]!, 0);
  };
  const out = new Float64Array(base.data.length);
  for (let i = 0; i < out.length; i++) {
    const plus = Float64Array.from(base.data);
    const minus = Float64Array.from(base.data);
    plus[i]! += H;
    minus[i]! -= H;
    out[i] = (loss({ data: plus, dims: base.dims }) - loss({ data: minus, dims: base.dims })) / (2 * H);
  }
  return out;
}

async function checkModel(model: ModelProto, layer: string): Promise<void> {
  const random = new Random(5);
  const input: Tensor64 = { data: Float64Array.from({ length: 3 * 16 * 16 }, () => random.normal()), dims: [1, 3, 16, 16] };
  const seed = Float64Array.from({ length: 5 }, () => random.normal());
  // The reference evaluator agrees with onnxruntime's forward pass.
  const plain = await ModelSession.create(encodeModel(model), { threads: 1 });
  const ort = (await plain.run({ input: { data: Float32Array.from(input.data), dims: input.dims } }, ['logits'])).logits!;
  await plain.close();
  const ref = evaluate(model, { input }).get('logits')!;
  ref.data.forEach((v, i) => assert.ok(Math.abs(v - (ort.data[i] as number)) < 1e-4 * Math.max(1, Math.abs(v)), `reference logit ${i}: ${v} vs onnxruntime ${ort.data[i]}`));

  const grad = await GradientModel.create(model, { targets: [{ tensor: 'logits' }], wrt: ['input', layer] }, { threads: 1 });
  try {
    const result = await grad.run({ input: { data: Float32Array.from(input.data), dims: input.dims } }, [{ data: Float32Array.from(seed), dims: [1, 5] }]);
    for (const tensor of ['input', layer]) {
      const expected = finiteDifferences(model, input, seed, tensor);
      const got = result.grads[tensor]!.data as Float32Array;
      assert.equal(got.length, expected.length, `${tensor}: gradient size`);
      const scale = Math.max(...expected.map(Math.abs));
      assert.ok(scale > 1e-3, `${tensor}: the reference gradient is not trivially zero`);
      let worst = 0;
      expected.forEach((e, i) => (worst = Math.max(worst, Math.abs(got[i]! - e) / scale)));
      assert.ok(worst <= 1e-4, `${tensor}: largest error ${worst.toExponential(2)} of the largest gradient (> 1e-4)`);
    }
  } finally {
    await grad.close();
  }
}

test('tiny ResNet: input and layer1.0 gradients equal float64 finite differences to 1e-4', async () => {
  await checkModel(tinyResNet(), '/layer1/layer1.0/relu_1/Relu_output_0');
});

test('tiny plain CNN: input and features.2 (conv) gradients equal float64 finite differences to 1e-4', async () => {
  // A pre-ReLU tensor: after the ReLU, zeros tie for a max-pool window's max and finite differences there mean nothing.
  await checkModel(tinyPlainCnn(), '/features/features.2/Conv_output_0');
});

test('tiny ViT: input and blocks.0 gradients equal float64 finite differences to 1e-4', async () => {
  await checkModel(tinyVit(), '/blocks/blocks.0/Add_1_output_0');
});
