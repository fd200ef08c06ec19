// Reductions computed inside the graph equal the recorder's JavaScript pooling of the same tensor,
// value for value (mean via a float64 reduction, max exactly), in both opset forms of the axes and
// for every layout the recorder reduces: NCHW maps, NHWC maps and tokens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InstrumentedModel } from '../../src/runtime/instrumented.js';
import { reductionKey, type Reduction } from '../../src/onnx/reduce-taps.js';
import { poolBatch, poolView } from '../../src/record/pool.js';
import type { ModelProto } from '../../src/onnx/types.js';
import type { TensorLike } from '../../src/runtime/types.js';
import { randomImages, tinyResNet, tinyVit } from '../fixtures/tiny-models.js';
import { regionModel } from '../fixtures/region-model.js';
import { copyFeeds, images, tensorOf } from '../runtime/helpers.js';

const BATCH = 3;

function withOpset(model: ModelProto, version: number): ModelProto {
  return { ...model, opsetImport: [{ domain: '', version }] };
}

/** One session reducing every tensor of `tensors` both ways, checked against poolBatch of its tap. */
async function compare(model: ModelProto, tensors: string[], axes: number[], feeds: Record<string, TensorLike>, layout?: 'NHWC'): Promise<void> {
  const reductions = tensors.flatMap((tensor) => (['mean', 'max'] as Reduction[]).map((reduction) => ({ tensor, reduction, axes })));
  const instrumented = await InstrumentedModel.create(model, { taps: tensors, reductions });
  try {
    const result = await instrumented.run(copyFeeds(feeds));
    for (const tensor of tensors) {
      const tap = result.taps[tensor]!;
      const view = poolView(tap.dims, layout);
      const expected = poolBatch(tap.data as Float32Array, view.dims, view.kind, ['mean', 'max']);
      for (const reduction of ['mean', 'max'] as const) {
        const got = result.reduced[reductionKey(tensor, reduction)]!;
        assert.equal(got.dims.length, 2, `${tensor} ${reduction} is [N, neurons]`);
        assert.deepEqual([...got.data], [...expected[reduction]], `${tensor} ${reduction}`);
      }
    }
  } finally {
    await instrumented.close();
  }
}

test('mean and max of NCHW maps in the graph equal poolBatch exactly (opsets 17 and 18)', async () => {
  const model = tinyResNet();
  const feeds = images(BATCH, randomImages(BATCH));
  const tensors = ['/relu/Relu', 'layer1.0/relu_1/Relu'].map((suffix) => tensorOf(model, suffix));
  await compare(model, tensors, [2, 3], feeds);
  await compare(withOpset(model, 18), tensors, [2, 3], feeds);
});

test('mean and max over ViT tokens and over channels-last maps equal poolBatch exactly', async () => {
  const vit = tinyVit();
  await compare(vit, [tensorOf(vit, 'blocks.0/Add')], [1], images(BATCH, randomImages(BATCH)));
  // The region model's NHWC input, transposed, is a channels-last map: pool it over [1, 2].
  const region = regionModel('NHWC');
  const pixels = Float32Array.from({ length: BATCH * 16 * 16 * 3 }, (_, i) => ((i * 7919) % 1000) / 1000);
  await compare(region, ['input'], [1, 2], { input: { data: pixels, dims: [BATCH, 16, 16, 3] } }, 'NHWC');
});

test('a reduction of an edited tensor pools the edited values', async () => {
  const model = tinyResNet();
  const tensor = tensorOf(model, '/relu/Relu');
  const instrumented = await InstrumentedModel.create(model, { interventions: [tensor], reductions: [{ tensor, reduction: 'max', axes: [2, 3] }] });
  try {
    const feeds = images(BATCH, randomImages(BATCH));
    const plain = await instrumented.run(copyFeeds(feeds));
    const channels = plain.reduced[reductionKey(tensor, 'max')]!.dims[1]!;
    const mask = new Float32Array(channels).fill(1);
    mask[0] = 0;
    const edited = await instrumented.run(copyFeeds(feeds), { interventions: { [tensor]: { mask: { data: mask, dims: [1, channels, 1, 1] } } } });
    const before = plain.reduced[reductionKey(tensor, 'max')]!.data as Float32Array;
    const after = edited.reduced[reductionKey(tensor, 'max')]!.data as Float32Array;
    for (let n = 0; n < BATCH; n++) {
      assert.equal(after[n * channels], 0, 'the masked channel pools to 0');
      assert.ok(before[n * channels]! > 0, 'it was active before');
      assert.equal(after[n * channels + 1], before[n * channels + 1], 'other channels unchanged');
    }
    const none = await instrumented.run(copyFeeds(feeds), { reductions: false });
    assert.deepEqual(Object.keys(none.reduced), []);
  } finally {
    await instrumented.close();
  }
});

test('a reduction of an unknown tensor names it', async () => {
  await assert.rejects(
    InstrumentedModel.create(tinyResNet(), { reductions: [{ tensor: '/nope', reduction: 'mean', axes: [2, 3] }] }),
    /\/nope/,
  );
});
