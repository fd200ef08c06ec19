import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bakeScales, scaleDims } from '../../src/edit/bake.js';
import { hasExternalData, scalableModel, scaleFeeds, type ScalableLayerSpec } from '../../src/edit/scalable.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { Ablator } from '../../src/maps/ablate.js';
import { ModelSession } from '../../src/runtime/session.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { randomImages, tinyResNet, tinyVit } from '../fixtures/tiny-models.js';

const RESNET_LAYERS: ScalableLayerSpec[] = [
  { id: 'layer1.0', tensor: '/layer1/layer1.0/relu_1/Relu_output_0', kind: 'feature', channels: 8 },
  { id: 'layer2.0', tensor: '/layer2/layer2.0/relu_1/Relu_output_0', kind: 'feature', channels: 16 },
  { id: 'avgpool', tensor: '/avgpool/GlobalAveragePool_output_0', kind: 'vector', channels: 16 },
  { id: 'fc', tensor: 'logits', kind: 'vector', channels: 5 },
];
const VIT_LAYERS: ScalableLayerSpec[] = [{ id: 'blocks.0.mlp.act', tensor: '/blocks/blocks.0/mlp/act/Mul_1_output_0', kind: 'tokens', channels: 16 }];

const image = () => ({ data: randomImages(1), dims: [1, 3, 16, 16] });

async function logitsOf(bytes: Uint8Array, feeds: Record<string, { data: Float32Array; dims: number[] }> = {}): Promise<{ logits: Float32Array; all: Record<string, { dims: readonly number[] }> }> {
  const session = await ModelSession.create(bytes, { threads: 1 });
  try {
    const out = await session.run({ input: image(), ...feeds });
    return { logits: out.logits!.data as Float32Array, all: out };
  } finally {
    await session.close();
  }
}

/** The rank each vector layer's tensor has, read from the first (identity) run as the browser does. */
async function ranks(model: ReturnType<typeof scalableModel>, layers: readonly ScalableLayerSpec[]): Promise<Map<string, number>> {
  const { all } = await logitsOf(model.bytes, scaleFeeds(model, new Map()));
  const out = new Map<string, number>();
  for (const l of layers) if (l.kind === 'vector') out.set(l.tensor, all[l.tensor]!.dims.length);
  return out;
}

for (const [name, build, layers] of [['ResNet', tinyResNet, RESNET_LAYERS], ['ViT', tinyVit, VIT_LAYERS]] as [string, () => ModelProto, ScalableLayerSpec[]][]) {
  test(`${name}: the scalable model fed all-ones masks gives the original logits (to float rounding)`, async () => {
    const source = build();
    const scalable = scalableModel(encodeModel(source), layers);
    assert.deepEqual(scalable.layers.map((l) => l.id), layers.map((l) => l.id));
    const original = await logitsOf(encodeModel(source));
    // Identity feeds, and explicit all-ones per-channel scales for every layer: both unchanged.
    const rankMap = await ranks(scalable, layers);
    const ones = new Map(layers.map((l) => [l.id, new Float32Array(l.channels).fill(1)]));
    for (const feeds of [scaleFeeds(scalable, new Map()), scaleFeeds(scalable, ones, rankMap)]) {
      const got = await logitsOf(scalable.bytes, feeds);
      // Not bit-identical: onnxruntime fuses nodes differently around the inserted Mul/Add, so
      // sums may round in another order (measured ≤ 3e-7 on these models).
      assert.equal(got.logits.length, original.logits.length);
      for (let i = 0; i < got.logits.length; i++) assert.ok(Math.abs(got.logits[i]! - original.logits[i]!) <= 1e-5, `logit ${i}: ${got.logits[i]} vs ${original.logits[i]}`);
    }
  });
}

test('zeroing and scaling channels equals the baked edit (neurolens edit) and the circuits Ablator', async () => {
  const source = tinyResNet();
  const scalable = scalableModel(encodeModel(source), RESNET_LAYERS);
  const rankMap = await ranks(scalable, RESNET_LAYERS);
  assert.deepEqual([...rankMap], [['/avgpool/GlobalAveragePool_output_0', 4], ['logits', 2]]);
  const ablator = await Ablator.create(source, RESNET_LAYERS, { threads: 1 });
  try {
    for (const [layer, channels, factor] of [['layer1.0', [1, 6], 0], ['layer2.0', [3], 0.5], ['avgpool', [2, 9], 0], ['fc', [4], 2]] as [string, number[], number][]) {
      const spec = RESNET_LAYERS.find((l) => l.id === layer)!;
      const values = new Float32Array(spec.channels).fill(1);
      for (const c of channels) values[c] = factor;
      const live = (await logitsOf(scalable.bytes, scaleFeeds(scalable, new Map([[layer, values]]), rankMap))).logits;
      const rank = spec.kind === 'feature' || rankMap.get(spec.tensor) === 4 ? 4 : 2;
      const baked = bakeScales(source, [{ tensor: spec.tensor, dims: scaleDims(spec.kind, spec.channels, rank), values }]);
      const edited = (await logitsOf(encodeModel(baked))).logits;
      const [ablated] = await ablator.run(image(), [{ neurons: channels.map((channel) => ({ layer, channel })), factor }]);
      for (let i = 0; i < live.length; i++) {
        assert.ok(Math.abs(live[i]! - edited[i]!) <= 1e-5, `${layer} logit ${i}: ${live[i]} vs baked ${edited[i]}`);
        assert.ok(Math.abs(live[i]! - ablated![i]!) <= 1e-5, `${layer} logit ${i}: ${live[i]} vs ablator ${ablated![i]}`);
      }
      const original = (await logitsOf(encodeModel(source))).logits;
      assert.ok(live.some((v, i) => Math.abs(v - original[i]!) > 1e-5), `${layer}: the intervention moves the logits`);
    }
  } finally {
    await ablator.close();
  }
});

test('two terms on one layer share its mask; a model with external data is refused with the fix', () => {
  const scalable = scalableModel(encodeModel(tinyResNet()), [...RESNET_LAYERS, { ...RESNET_LAYERS[0]!, id: 'alias' }]);
  const a = new Float32Array(8).fill(1);
  a[1] = 0;
  const b = new Float32Array(8).fill(1);
  b[2] = 3;
  const feeds = scaleFeeds(scalable, new Map([['layer1.0', a], ['alias', b]]));
  const mask = feeds[scalable.layers[0]!.mask]!;
  assert.deepEqual(mask.dims, [1, 8, 1, 1]);
  assert.deepEqual(Array.from(mask.data), [1, 0, 3, 1, 1, 1, 1, 1]);
  assert.deepEqual(Array.from(feeds[scalable.layers[0]!.patch]!.data), [0]);

  const model = tinyResNet();
  const weight = model.graph!.initializer![0]!;
  model.graph!.initializer![0] = { ...weight, rawData: new Uint8Array(0), dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] };
  assert.ok(hasExternalData(model));
  assert.throws(() => scalableModel(model, RESNET_LAYERS, 'big.onnx'), /big\.onnx.*external data.*re-export it with the weights inside/);
});
