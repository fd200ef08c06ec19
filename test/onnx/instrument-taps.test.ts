// Taps through onnxruntime: tapped values equal the same tensors read from the unmodified model
// (made graph outputs), and the model's own outputs do not change.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { NeurolensError } from '../../src/errors.js';
import { InstrumentedModel } from '../../src/runtime/instrumented.js';
import type { TensorLike } from '../../src/runtime/types.js';
import { randomImages, tinyResNet, tinyVit } from '../fixtures/tiny-models.js';
import { assertClose, copyFeeds, images, referenceRun, tensorOf } from '../runtime/helpers.js';

const BATCH = 3;
const resnet = tinyResNet();
const vit = tinyVit();
const inputs = images(BATCH, randomImages(BATCH));

const resnetTaps = [
  '/conv1/Conv',
  '/bn1/BatchNormalization',
  '/relu/Relu',
  'layer1.0/Add',
  'layer1.0/relu_1/Relu',
  'downsample.1/BatchNormalization',
  'avgpool/GlobalAveragePool',
].map((suffix) => tensorOf(resnet, suffix));

const vitTaps = [
  'blocks.0/norm1/LayerNormalization',
  'blocks.0/attn/q/MatMul',
  'blocks.0/attn/Mul', // the scaled scores entering Softmax
  'blocks.0/attn/Softmax',
  'blocks.0/attn/MatMul_1', // attention-weighted values
  'blocks.0/Add', // residual stream after attention
  'blocks.0/mlp/act/Mul_1', // GELU output
  'blocks.1/Add_1', // residual stream after block 1
  'norm/LayerNormalization',
].map((suffix) => tensorOf(vit, suffix));

let plainResnet: Record<string, TensorLike>;
let plainVit: Record<string, TensorLike>;
let resnetModel: InstrumentedModel;
let vitModel: InstrumentedModel;

before(async () => {
  [plainResnet, plainVit, resnetModel, vitModel] = await Promise.all([
    referenceRun(resnet, [], inputs),
    referenceRun(vit, [], inputs),
    InstrumentedModel.create(resnet, { taps: resnetTaps }),
    InstrumentedModel.create(vit, { taps: vitTaps }),
  ]);
});

after(async () => {
  await Promise.all([resnetModel?.close(), vitModel?.close()]);
});

for (const [name, model, taps, get, plain] of [
  ['tinyResNet conv/BN/relu/add/GAP', resnet, resnetTaps, () => resnetModel, () => plainResnet],
  ['tinyVit LN/MatMul/softmax/GELU/residual', vit, vitTaps, () => vitModel, () => plainVit],
] as const) {
  test(`taps on ${name} equal the unmodified model's tensors; logits unchanged`, async () => {
    const reference = await referenceRun(model, [...taps], inputs);
    const result = await get().run(copyFeeds(inputs));
    assert.deepEqual(Object.keys(result.taps), [...taps]);
    for (const tensor of taps) assertClose(result.taps[tensor], reference[tensor], tensor);
    assertClose(result.outputs.logits, plain().logits, 'logits');
  });
}

test('a run can fetch a subset of the taps and skip the model outputs', async () => {
  const wanted = [vitTaps[3]!, vitTaps[0]!];
  const result = await vitModel.run(copyFeeds(inputs), { taps: wanted, outputs: false });
  assert.deepEqual(Object.keys(result.outputs), []);
  assert.deepEqual(Object.keys(result.taps).sort(), [...wanted].sort());
  const reference = await referenceRun(vit, wanted, inputs);
  for (const tensor of wanted) assertClose(result.taps[tensor], reference[tensor], tensor);
  const onlyOutputs = await vitModel.run(copyFeeds(inputs), { taps: [] });
  assert.deepEqual(Object.keys(onlyOutputs.taps), []);
  assertClose(onlyOutputs.outputs.logits, plainVit.logits, 'logits');
});

test('taps on a graph input and a weight return their values', async () => {
  const model = await InstrumentedModel.create(resnet, { taps: ['input', 'fc.bias', 'logits'] });
  try {
    const feeds = copyFeeds(inputs);
    const result = await model.run(feeds);
    assert.deepEqual([...(result.taps.input!.data as Float32Array)], [...(inputs.input!.data as Float32Array)]);
    assert.deepEqual(result.taps['fc.bias']!.dims, [5]);
    assertClose(result.taps.logits, plainResnet.logits, 'tapped logits');
    assertClose(result.outputs.logits, plainResnet.logits, 'logits');
  } finally {
    await model.close();
  }
});

test('asking for a tensor that was not tapped names it and the taps that exist', async () => {
  await assert.rejects(
    resnetModel.run(copyFeeds(inputs), { taps: ['/fc/Gemm_output_0'] }),
    (error: unknown) => error instanceof NeurolensError && /was not tapped when the model was instrumented .*add it to the taps/.test(error.message),
  );
  await assert.rejects(resnetModel.run(copyFeeds(inputs), { interventions: { [resnetTaps[0]!]: {} } }), /was not instrumented for interventions \(interventions: \(none\)\)/);
  await assert.rejects(resnetModel.run({ image: inputs.input! }), /the model has no input "image"; its inputs are "input"/);
});
