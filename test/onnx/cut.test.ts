// cutModel: sub-graphs between tensors compute what the full model computes, need only what they
// say, and explain what is missing when a cut is incomplete.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeModel } from '../../src/onnx/codec.js';
import { cutModel } from '../../src/onnx/cut.js';
import { NeurolensError } from '../../src/errors.js';
import { ModelSession } from '../../src/runtime/session.js';
import { InstrumentedModel } from '../../src/runtime/instrumented.js';
import type { TensorLike } from '../../src/runtime/types.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { randomImages, tinyPlainCnn, tinyResNet, tinyVit } from '../fixtures/tiny-models.js';
import { assertClose, images, referenceRun, tensorOf } from '../runtime/helpers.js';

const BATCH = 4;
const inputs = images(BATCH, randomImages(BATCH, 16, 11));

async function runCut(model: ModelProto, feeds: Record<string, TensorLike>): Promise<Record<string, TensorLike>> {
  const session = await ModelSession.create(encodeModel(model));
  try {
    return await session.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, { data: v.data.slice(), dims: [...v.dims] }])));
  } finally {
    await session.close();
  }
}

test('CNN: block l output → block l+1 output equals the full model', async () => {
  const model = tinyResNet();
  const block1 = tensorOf(model, 'layer1.0/relu_1/Relu');
  const block2 = tensorOf(model, 'layer2.0/relu_1/Relu');
  const reference = await referenceRun(model, [block1, block2], inputs);
  const cut = cutModel(model, { from: [block1], to: [block2], fromShapes: { [block1]: [1, 8, 8, 8] } });
  const graph = cut.graph!;
  assert.deepEqual(graph.input!.map((v) => v.name), [block1]);
  assert.deepEqual(graph.input![0]!.type!.tensorType!.shape!.dim!.map((d) => d.dimParam ?? d.dimValue), ['batch', 8, 8, 8]);
  assert.deepEqual(graph.output!.map((v) => v.name), [block2]);
  assert.deepEqual(new Set(graph.node!.map((n) => n.opType)), new Set(['Conv', 'BatchNormalization', 'Relu', 'Add']));
  const weights = graph.initializer!.map((t) => t.name!);
  assert.ok(weights.every((name) => name.startsWith('layer2.')), `only layer2 weights: ${weights.join(', ')}`);
  const result = await runCut(cut, { [block1]: reference[block1]! });
  assertClose(result[block2], reference[block2], block2);
});

test('CNN without residuals: cut from a pooled feature map to the logits', async () => {
  const model = tinyPlainCnn();
  const pooled = tensorOf(model, 'features.4/MaxPool');
  const reference = await referenceRun(model, [pooled], inputs);
  const result = await runCut(cutModel(model, { from: [pooled], to: ['logits'] }), { [pooled]: reference[pooled]! });
  assertClose(result.logits, reference.logits, 'logits');
});

test('ViT: block-0 GELU hidden + residual stream → block-1 GELU hidden equals the full model', async () => {
  const model = tinyVit();
  const hidden0 = tensorOf(model, 'blocks.0/mlp/act/Mul_1');
  const stream0 = tensorOf(model, 'blocks.0/Add');
  const hidden1 = tensorOf(model, 'blocks.1/mlp/act/Mul_1');
  const reference = await referenceRun(model, [hidden0, stream0, hidden1], inputs);
  const cut = cutModel(model, { from: [hidden0, stream0], to: [hidden1] });
  const ops = cut.graph!.node!.map((n) => n.opType);
  assert.ok(!ops.includes('Shape') && !ops.includes('Expand'), 'the class-token shape sub-graph is not needed');
  assert.deepEqual(cut.graph!.input!.map((v) => v.name), [hidden0, stream0]);
  const result = await runCut(cut, { [hidden0]: reference[hidden0]!, [stream0]: reference[stream0]! });
  assertClose(result[hidden1], reference[hidden1], hidden1);
});

test('a cut that needs another tensor names it, the nodes reading it and the fix', () => {
  const model = tinyVit();
  const hidden0 = tensorOf(model, 'blocks.0/mlp/act/Mul_1');
  const hidden1 = tensorOf(model, 'blocks.1/mlp/act/Mul_1');
  assert.throws(
    () => cutModel(model, { from: [hidden0], to: [hidden1] }),
    (error: unknown) => {
      assert.ok(error instanceof NeurolensError);
      assert.equal(error.message.includes('\n'), false);
      assert.match(error.message, /^cutting ".*blocks\.0\/mlp\/act\/Mul_1_output_0" → ".*blocks\.1\/mlp\/act\/Mul_1_output_0" also needs tensor "input" \(a graph input, read by Conv node "\/patch_embed\/proj\/Conv", Shape node "\/Shape"\); add it to the cut's inputs/);
      return true;
    },
  );
});

test('a cut that reads the image only through Shape (batch-size Expand) says so', () => {
  const model = tinyVit();
  const patches = tensorOf(model, 'patch_embed/Transpose');
  assert.throws(
    () => cutModel(model, { from: [patches], to: ['/Add_output_0'] }),
    /also needs tensor "input", but only for its shape \(read by Shape node "\/Shape", e\.g\. a batch-size Expand\); add it to the cut's inputs \(any values of the right shape work\)/,
  );
  // Cutting downstream of the embedding needs no input at all.
  const cut = cutModel(model, { from: ['/Add_output_0'], to: ['logits'] });
  assert.deepEqual(cut.graph!.input!.map((v) => v.name), ['/Add_output_0']);
});

test('bad cut specs: unknown tensors, weights as inputs, outputs that are inputs', () => {
  const model = tinyResNet();
  assert.throws(() => cutModel(model, { from: ['/relu/Relu_output_0'], to: ['/nope'] }), /cut output "\/nope" is not a tensor of the model.*neurolens inspect/);
  assert.throws(() => cutModel(model, { from: ['/relu/Relu_outptu_0'], to: ['logits'] }), /did you mean "\/relu\/Relu_output_0"/);
  assert.throws(() => cutModel(model, { from: ['fc.weight'], to: ['logits'] }), /cannot cut from "fc.weight": it is a weight/);
  assert.throws(() => cutModel(model, { from: ['logits'], to: ['logits'] }), /also one of the cut's inputs/);
  assert.throws(() => cutModel(model, { from: [], to: [] }), /at least one tensor in 'to'/);
});

test('a cut model can be instrumented: ablation inside the cut equals ablation in the full model', async () => {
  const model = tinyResNet();
  const block1 = tensorOf(model, 'layer1.0/relu_1/Relu');
  const relu2 = tensorOf(model, 'layer2.0/relu/Relu');
  const reference = await referenceRun(model, [block1], inputs);
  const mask: TensorLike = { data: Float32Array.from({ length: 16 }, (_, c) => (c === 3 ? 0 : 1)), dims: [1, 16, 1, 1] };
  const full = await InstrumentedModel.create(model, { interventions: [relu2], taps: [relu2] });
  const cut = await InstrumentedModel.create(cutModel(model, { from: [block1], to: ['logits'] }), { interventions: [relu2], taps: [relu2] });
  try {
    const a = await full.run({ input: { data: (inputs.input!.data as Float32Array).slice(), dims: inputs.input!.dims } }, { interventions: { [relu2]: { mask: { ...mask, data: (mask.data as Float32Array).slice() } } } });
    const b = await cut.run({ [block1]: reference[block1]! }, { interventions: { [relu2]: { mask } } });
    assertClose(b.outputs.logits, a.outputs.logits, 'logits');
    assertClose(b.taps[relu2], a.taps[relu2], relu2);
    assert.ok(Math.abs((a.outputs.logits!.data as Float32Array)[0]! - (reference.logits!.data as Float32Array)[0]!) > 1e-4, 'the ablation changed the logits');
  } finally {
    await Promise.all([full.close(), cut.close()]);
  }
});
