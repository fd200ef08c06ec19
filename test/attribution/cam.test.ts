// CAM against a hand computation on a random tiny ResNet; the ViT token-grid path of
// ablation-cam and score-cam on tinyVit; neuron and circuit targets against tapped activations.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { after, before, test } from 'node:test';
import { upsampleBilinear } from '../../src/maps/region.js';
import { findGapHead, openAttributor, type Attributor } from '../../src/attribution/index.js';
import { InstrumentedModel } from '../../src/runtime/instrumented.js';
import { tensorFloat32 } from '../../src/onnx/tensor.js';
import type { TensorLike } from '../../src/runtime/types.js';
import { randomImages, tinyResNet, tinyVit, TINY_CLASSES, TINY_VIT, writeTempModel } from '../fixtures/tiny-models.js';

const resnet = tinyResNet();
const vit = tinyVit();
let cnn: Attributor;
let vitAttributor: Attributor;
let resnetPath: string;
const image = randomImages(1, 16, 11);

/** Taps `tensors` on `image` through a fresh session (independent of the Attributor). */
async function tap(model: typeof resnet, tensors: string[]): Promise<Record<string, TensorLike>> {
  const im = await InstrumentedModel.create(model, { taps: tensors });
  try {
    return (await im.run({ input: { data: image.slice(), dims: [1, 3, 16, 16] } }, { taps: tensors })).taps;
  } finally {
    await im.close();
  }
}

before(async () => {
  resnetPath = writeTempModel(resnet, 'resnet');
  cnn = await openAttributor(resnetPath, { threads: 1 });
  vitAttributor = await openAttributor(writeTempModel(vit, 'vit'), { threads: 1, maxBatch: 5 });
});
after(async () => {
  await cnn.close();
  await vitAttributor.close();
});

test('findGapHead: GAP → Flatten → Gemm(transB) of tinyResNet; the ViT head is refused with the reason', () => {
  const head = findGapHead(resnet, 'logits');
  assert.ok(typeof head !== 'string');
  assert.equal(head.feature, '/layer2/layer2.0/relu_1/Relu_output_0');
  assert.equal(head.classes, TINY_CLASSES);
  assert.equal(head.channels, 16);
  const fc = tensorFloat32(resnet.graph!.initializer!.find((t) => t.name === 'fc.weight')!);
  assert.deepEqual(head.weights, fc);
  assert.match(findGapHead(vit, 'logits') as string, /Gather node, not a global average pool/);
});

test('cam equals Σ_c w[cls,c]·A_c by hand, upsampled; its spatial mean + bias is the logit', async () => {
  const feature = '/layer2/layer2.0/relu_1/Relu_output_0';
  const taps = await tap(resnet, [feature, 'logits']);
  const a = taps[feature]!;
  assert.deepEqual(a.dims, [1, 16, 4, 4]);
  const logits = taps.logits!.data as Float32Array;
  const w = tensorFloat32(resnet.graph!.initializer!.find((t) => t.name === 'fc.weight')!);
  const bias = tensorFloat32(resnet.graph!.initializer!.find((t) => t.name === 'fc.bias')!);
  for (let cls = 0; cls < TINY_CLASSES; cls++) {
    const result = await cnn.attribute(image, 'cam', { kind: 'class', cls });
    assert.deepEqual(result.options, { layer: 'layer2.0' });
    const small = new Float32Array(16);
    for (let c = 0; c < 16; c++) for (let p = 0; p < 16; p++) small[p] += w[cls * 16 + c]! * (a.data as Float32Array)[c * 16 + p]!;
    let mean = 0;
    for (const v of small) mean += v / 16;
    assert.ok(Math.abs(mean + bias[cls]! - logits[cls]!) < 1e-4, `class ${cls}: mean CAM + b = ${mean + bias[cls]!}, logit ${logits[cls]}`);
    const expected = upsampleBilinear({ data: small, height: 4, width: 4 }, 16, 16);
    result.map.data.forEach((v, p) => assert.ok(Math.abs(v - expected[p]!) < 1e-4, `class ${cls} pixel ${p}: ${v} vs ${expected[p]}`));
    assert.ok(Math.abs(result.target.clean - logits[cls]!) < 1e-5);
  }
});

test('ablation-cam of a neuron at its own layer is ReLU of its map (feature map, upsampled)', async () => {
  const feature = '/layer2/layer2.0/relu_1/Relu_output_0';
  const a = (await tap(resnet, [feature]))[feature]!.data as Float32Array;
  const channel = [...Array(16).keys()].find((c) => a.subarray(c * 16, c * 16 + 16).some((v) => v > 0))!;
  const result = await cnn.attribute(image, 'ablation-cam', { kind: 'neuron', layer: 'layer2.0', channel }, { layer: 'layer2.0' });
  assert.equal(result.passes, 1 + 16);
  const expected = upsampleBilinear({ data: a.slice(channel * 16, channel * 16 + 16).map((v) => Math.max(0, v)), height: 4, width: 4 }, 16, 16);
  result.map.data.forEach((v, p) => assert.ok(Math.abs(v - expected[p]!) < 1e-5, `pixel ${p}: ${v} vs ${expected[p]}`));
});

test('ViT: ablation-cam of a neuron places the patch tokens on the 4×4 grid, class token dropped', async () => {
  const { grid, mlp, tokens } = TINY_VIT;
  const tensor = '/blocks/blocks.1/mlp/act/Mul_1_output_0';
  const acts = (await tap(vit, [tensor]))[tensor]!;
  assert.deepEqual(acts.dims, [1, tokens, mlp]);
  const channel = 3;
  const result = await vitAttributor.attribute(image, 'ablation-cam', { kind: 'neuron', layer: 'blocks.1.mlp.act', channel });
  assert.deepEqual(result.options, { layer: 'blocks.1.mlp.act' }); // the default: last default token layer
  assert.equal(result.passes, 1 + mlp);
  // By hand: token 1 + (row·4 + col) → cell (row, col); then ReLU and bilinear upsampling.
  const small = new Float32Array(grid * grid);
  for (let row = 0; row < grid; row++) for (let col = 0; col < grid; col++) {
    small[row * grid + col] = Math.max(0, (acts.data as Float32Array)[(1 + row * grid + col) * mlp + channel]!);
  }
  const expected = upsampleBilinear({ data: small, height: grid, width: grid }, 16, 16);
  result.map.data.forEach((v, p) => assert.ok(Math.abs(v - expected[p]!) < 1e-5, `pixel ${p}: ${v} vs ${expected[p]}`));
});

test('ViT: score-cam and ablation-cam of the predicted class give finite, non-negative 16×16 maps; cam is refused', async () => {
  for (const method of ['score-cam', 'ablation-cam'] as const) {
    const result = await vitAttributor.attribute(image, method, { kind: 'pred' }, { layer: 'blocks.0' });
    assert.equal(result.map.data.length, 256);
    assert.equal(result.passes, 1 + TINY_VIT.dim);
    assert.ok(result.map.data.every((v) => Number.isFinite(v) && v >= 0));
    assert.ok(result.map.data.some((v) => v > 0), method);
  }
  await assert.rejects(vitAttributor.attribute(image, 'cam', { kind: 'pred' }), /--method cam needs a global-average-pool → linear classifier head, but .*vit\.onnx feeds its classifier from a Gather node.*use --method ablation-cam or score-cam/);
});

test('circuit target: the sum of its neurons\' mean activations (duplicates once); its file and index are checked', async () => {
  const t1 = '/layer1/layer1.0/relu_1/Relu_output_0';
  const t2 = '/layer2/layer2.0/relu_1/Relu_output_0';
  const taps = await tap(resnet, [t1, t2]);
  const mean = (t: TensorLike, c: number, hw: number) => (t.data as Float32Array).subarray(c * hw, (c + 1) * hw).reduce((s, v) => s + v, 0) / hw;
  const file = join(dirname(resnetPath), 'q.json');
  const nodes = [{ layer: 'layer1.0', channel: 1, region: {}, act: 0 }, { layer: 'layer2.0', channel: 2 }, { layer: 'layer1.0', channel: 1 }];
  writeFileSync(file, JSON.stringify({ query: {}, circuits: [{ id: 'x', nodes: [{ layer: 'layer1.0', channel: 0 }] }, { id: 'y', nodes }] }));
  const bound = await cnn.bind(image, { kind: 'circuit', file, index: 1 });
  assert.equal(bound.description, 'circuit q.json#1 (2 neurons)');
  assert.equal(bound.quantity, 'activation');
  assert.ok(Math.abs(bound.clean - (mean(taps[t1]!, 1, 64) + mean(taps[t2]!, 2, 16))) < 1e-5);
  const first = await cnn.bind(image, { kind: 'circuit', file });
  assert.ok(Math.abs(first.clean - mean(taps[t1]!, 0, 64)) < 1e-5);
  await assert.rejects(cnn.bind(image, { kind: 'circuit', file, index: 2 }), /circuit:.*q\.json#2: no such circuit; the file holds circuits 0 to 1/);
  await assert.rejects(cnn.bind(image, { kind: 'circuit', file: join(dirname(file), 'missing.json') }), /cannot read the circuits file \(ENOENT\)/);
  writeFileSync(file, JSON.stringify({ circuits: [{ nodes: [{ layer: 'layer9', channel: 0 }] }] }));
  await assert.rejects(cnn.bind(image, { kind: 'circuit', file }), /names layer "layer9", which this model does not have/);
  writeFileSync(file, '{"hello": 1}');
  await assert.rejects(cnn.bind(image, { kind: 'circuit', file }), /is not a circuits file/);
});
