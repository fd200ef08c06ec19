/**
 * The catalogue rules on models other than the shared fixtures: a ViT with the opset-20 Gelu op or
 * a written-out tanh-GELU (fused qkv, no class token, mean-pooled head), a residual CNN whose Adds
 * are not followed by an activation (with a SiLU stem), an anonymous graph, dynamic height/width,
 * and the shape probe itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NeurolensError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { catalogueModel, formatCatalogue, type ModelSummary } from '../../src/onnx/catalogue/index.js';
import { encodeModel } from '../../src/onnx/codec.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { probeShapes } from '../../src/runtime/probe.js';
import { Random } from '../../src/util/random.js';
import { tinyResNet, tinyVit } from '../fixtures/tiny-models.js';

const ids = (s: ModelSummary) => s.layers.map((l) => l.id);
const defaults = (s: ModelSummary) => s.layers.filter((l) => l.isDefault).map((l) => l.id);

/** torch-style node name: '/blocks/blocks.0/attn/qkv/MatMul' for scope ['blocks', 'blocks.0', 'attn', 'qkv']. */
const at = (scopes: string[], op: string) => `/${[...scopes, op].join('/')}`;

class Net {
  readonly g: GraphBuilder;
  private readonly rng: Random;
  private n = 0;
  constructor(name: string, opset: number, seed: number) {
    this.g = new GraphBuilder({ name, opset });
    this.rng = new Random(seed);
  }
  w(dims: number[], std = 0.3): string {
    return this.g.initializer(`w${this.n++}`, this.rng.normalArray(dims.reduce((a, b) => a * b, 1), std), dims);
  }
  scalar(value: number): string {
    return this.g.initializer(`c${this.n++}`, new Float32Array([value]), []);
  }
  linear(scopes: string[], x: string, cin: number, cout: number): string {
    const y = this.g.node('MatMul', [x, this.w([cin, cout])], {}, { name: at(scopes, 'MatMul') });
    return this.g.node('Add', [y, this.w([cout], 0.05)], {}, { name: at(scopes, 'Add') });
  }
  /** LayerNormalization, or (writtenOut) the ReduceMean/Sub/Pow/… form older opsets export. */
  layerNorm(scopes: string[], x: string, d: number, writtenOut = false): string {
    if (!writtenOut) return this.g.node('LayerNormalization', [x, this.w([d]), this.w([d], 0.05)], { axis: -1 }, { name: at(scopes, 'LayerNormalization') });
    const g = this.g;
    const mean = g.node('ReduceMean', [x], { axes: [-1], keepdims: 1 }, { name: at(scopes, 'ReduceMean') });
    const centred = g.node('Sub', [x, mean], {}, { name: at(scopes, 'Sub') });
    const variance = g.node('ReduceMean', [g.node('Pow', [centred, this.scalar(2)], {}, { name: at(scopes, 'Pow') })], { axes: [-1], keepdims: 1 }, { name: at(scopes, 'ReduceMean_1') });
    const std = g.node('Sqrt', [g.node('Add', [variance, this.scalar(1e-6)], {}, { name: at(scopes, 'Add') })], {}, { name: at(scopes, 'Sqrt') });
    const normed = g.node('Div', [centred, std], {}, { name: at(scopes, 'Div') });
    return g.node('Add', [g.node('Mul', [normed, this.w([d])], {}, { name: at(scopes, 'Mul') }), this.w([d], 0.05)], {}, { name: at(scopes, 'Add_1') });
  }
}

/**
 * One-block ViT, patch 4 on 16×16, width 8, 2 heads, fused qkv, MLP 16, mean-pooled. 'op': opset 20
 * with the Gelu op; 'tanh': opset 17 with tanh-GELU and LayerNorms written out as older exporters do.
 */
function miniVit(gelu: 'op' | 'tanh'): ModelProto {
  const net = new Net(`mini-vit-${gelu}`, gelu === 'op' ? 20 : 17, 11);
  const { g } = net;
  const x0 = g.input('pixels', ['N', 3, 16, 16]);
  const patches = g.node('Conv', [x0, net.w([8, 3, 4, 4]), net.w([8], 0.05)], { kernel_shape: [4, 4], strides: [4, 4] }, { name: '/patch_embed/proj/Conv' });
  const flat = g.node('Reshape', [patches, g.int64s('flat', [0, 8, -1])], {}, { name: '/patch_embed/Reshape' });
  const tokens = g.node('Transpose', [flat], { perm: [0, 2, 1] }, { name: '/patch_embed/Transpose' });
  let x = g.node('Add', [tokens, net.w([1, 16, 8], 0.2)], {}, { name: '/Add' });
  const blk = ['blocks', 'blocks.0'];
  const written = gelu === 'tanh';
  const h = net.layerNorm([...blk, 'norm1'], x, 8, written);
  const qkv = net.linear([...blk, 'attn', 'qkv'], h, 8, 24);
  const split = g.node('Reshape', [qkv, g.int64s('qkv_shape', [0, 0, 3, 2, 4])], {}, { name: at([...blk, 'attn'], 'Reshape') });
  const heads = g.node('Transpose', [split], { perm: [2, 0, 3, 1, 4] }, { name: at([...blk, 'attn'], 'Transpose') });
  const pick = (k: number) => g.node('Gather', [heads, g.initializer(`idx${k}`, BigInt64Array.from([BigInt(k)]), [])], { axis: 0 }, { name: at([...blk, 'attn'], `Gather_${k}`) });
  const [q, k, v] = [pick(0), pick(1), pick(2)];
  const kt = g.node('Transpose', [k], { perm: [0, 1, 3, 2] }, { name: at([...blk, 'attn'], 'Transpose_1') });
  const scores = g.node('MatMul', [q, kt], {}, { name: at([...blk, 'attn'], 'MatMul') });
  const probs = g.node('Softmax', [g.node('Mul', [scores, net.scalar(0.5)], {}, { name: at([...blk, 'attn'], 'Mul') })], { axis: -1 }, { name: at([...blk, 'attn'], 'Softmax') });
  const ctx = g.node('MatMul', [probs, v], {}, { name: at([...blk, 'attn'], 'MatMul_1') });
  const merged = g.node('Reshape', [g.node('Transpose', [ctx], { perm: [0, 2, 1, 3] }, { name: at([...blk, 'attn'], 'Transpose_2') }), g.int64s('merge', [0, 0, 8])], {}, { name: at([...blk, 'attn'], 'Reshape_1') });
  x = g.node('Add', [x, net.linear([...blk, 'attn', 'proj'], merged, 8, 8)], {}, { name: at(blk, 'Add') });
  const hidden = net.linear([...blk, 'mlp', 'fc1'], net.layerNorm([...blk, 'norm2'], x, 8, written), 8, 16);
  const act = [...blk, 'mlp', 'act'];
  let a: string;
  if (gelu === 'op') {
    a = g.node('Gelu', [hidden], {}, { name: at(act, 'Gelu') });
  } else {
    // ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
    const cube = g.node('Pow', [hidden, net.scalar(3)], {}, { name: at(act, 'Pow') });
    const inner = g.node('Add', [hidden, g.node('Mul', [cube, net.scalar(0.044715)], {}, { name: at(act, 'Mul') })], {}, { name: at(act, 'Add') });
    const t = g.node('Tanh', [g.node('Mul', [inner, net.scalar(Math.sqrt(2 / Math.PI))], {}, { name: at(act, 'Mul_1') })], {}, { name: at(act, 'Tanh') });
    const half = g.node('Mul', [hidden, net.scalar(0.5)], {}, { name: at(act, 'Mul_2') });
    a = g.node('Mul', [half, g.node('Add', [t, net.scalar(1)], {}, { name: at(act, 'Add_1') })], {}, { name: at(act, 'Mul_3') });
  }
  x = g.node('Add', [x, net.linear([...blk, 'mlp', 'fc2'], a, 16, 8)], {}, { name: at(blk, 'Add_1') });
  // ReduceMean takes its axes as an attribute up to opset 17 and as an input from opset 18.
  const normed = net.layerNorm(['norm'], x, 8, written);
  const pooled = gelu === 'op'
    ? g.node('ReduceMean', [normed, g.int64s('mean_axes', [1])], { keepdims: 0 }, { name: '/ReduceMean' })
    : g.node('ReduceMean', [normed], { axes: [1], keepdims: 0 }, { name: '/ReduceMean' });
  const logits = g.node('Gemm', [pooled, net.w([3, 8]), net.w([3], 0.05)], { transB: 1 }, { name: '/head/Gemm', outputs: ['logits'] });
  g.output(logits, ['N', 3]);
  return g.build();
}

for (const gelu of ['op', 'tanh'] as const) {
  test(`ViT variant (${gelu === 'op' ? 'opset-20 Gelu op' : 'written-out tanh-GELU and LayerNorm'}, fused qkv, no class token)`, async () => {
    const s = await catalogueModel(miniVit(gelu));
    assert.deepEqual(ids(s), [
      'patch_embed.proj', 'add', 'blocks.0.norm1', 'blocks.0.attn.qkv', 'blocks.0.attn.proj', 'blocks.0.add',
      'blocks.0.norm2', 'blocks.0.mlp.fc1', 'blocks.0.mlp.act', 'blocks.0.mlp.fc2', 'blocks.0', 'norm', 'reducemean', 'head',
    ]);
    assert.deepEqual(defaults(s), ['blocks.0.mlp.act']);
    const act = s.layers.find((l) => l.id === 'blocks.0.mlp.act')!;
    assert.equal(act.op, gelu === 'op' ? 'Gelu' : 'Mul');
    assert.deepEqual(act.tokens, { count: 16, prefix: 0, grid: [4, 4] });
    assert.equal(s.layers.find((l) => l.id === 'blocks.0.attn.qkv')!.channels, 24);
    assert.deepEqual(s.layers.filter((l) => l.kind === 'vector').map((l) => [l.id, l.channels]), [['reducemean', 8], ['head', 3]]);
    assert.equal(s.numClasses, 3);
    assert.ok(!s.layers.some((l) => ['Gather', 'Softmax', 'Pow', 'Tanh', 'ReduceMean', 'Sub', 'Sqrt', 'Div'].includes(l.op) && l.id !== 'reducemean'));
    assert.equal(s.layers.find((l) => l.id === 'blocks.0.norm2')!.op, gelu === 'op' ? 'LayerNormalization' : 'Add');
  });
}

/** Residual CNN with a SiLU stem (x·σ(x)) and two blocks whose Add is NOT followed by an activation. */
function preActResNet(): ModelProto {
  const net = new Net('no-relu-after-add', 17, 5);
  const { g } = net;
  const conv = (scopes: string[], x: string, cin: number, cout: number, stride = 1) =>
    g.node('Conv', [x, net.w([cout, cin, 3, 3], 0.2)], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [stride, stride] }, { name: at(scopes, 'Conv') });
  let x = conv(['conv1'], g.input('input', ['batch', 3, 12, 12]), 3, 4, 2);
  x = g.node('Mul', [x, g.node('Sigmoid', [x], {}, { name: '/act1/Sigmoid' })], {}, { name: '/act1/Mul' });
  for (const b of [0, 1]) {
    const scope = ['layer1', `layer1.${b}`];
    let y = conv([...scope, 'conv1'], x, 4, 4);
    y = g.node('Relu', [y], {}, { name: at([...scope, 'relu'], 'Relu') });
    y = conv([...scope, 'conv2'], y, 4, 4);
    x = g.node('Add', [x, y], {}, { name: at(scope, 'Add') });
  }
  const pooled = g.node('GlobalAveragePool', [x], {}, { name: '/avgpool/GlobalAveragePool' });
  const flat = g.node('Flatten', [pooled], { axis: 1 }, { name: '/Flatten' });
  const logits = g.node('Gemm', [flat, net.w([2, 4]), net.w([2], 0.05)], { transB: 1 }, { name: '/fc/Gemm', outputs: ['logits'] });
  g.output(logits, ['batch', 2]);
  return g.build();
}

test('residual CNN whose Adds have no activation after them: the Adds are the block outputs and defaults', async () => {
  const s = await catalogueModel(preActResNet());
  assert.deepEqual(ids(s), [
    'conv1', 'act1',
    'layer1.0.conv1', 'layer1.0.relu', 'layer1.0.conv2', 'layer1.0',
    'layer1.1.conv1', 'layer1.1.relu', 'layer1.1.conv2', 'layer1.1',
    'avgpool', 'fc',
  ]);
  assert.deepEqual(defaults(s), ['layer1.0', 'layer1.1']);
  assert.ok(s.layers.filter((l) => l.isDefault).every((l) => l.op === 'Add' && l.channels === 4 && l.spatial![0] === 6));
  // The SiLU's sigmoid is an intermediate: only x·σ(x) is listed.
  assert.equal(s.layers.find((l) => l.id === 'act1')!.op, 'Mul');
  assert.ok(!s.layers.some((l) => l.op === 'Sigmoid'));
});

test('anonymous node names fall back to unique, stable <opType>_<k> ids', async () => {
  const model = tinyResNet();
  model.graph!.node!.forEach((node, i) => {
    node.name = i % 2 === 0 ? '' : `${node.opType}_${i}`;
  });
  const s = await catalogueModel(model);
  assert.equal(new Set(ids(s)).size, s.layers.length);
  assert.ok(ids(s).every((id) => /^[A-Za-z]+_\d+$/.test(id)), ids(s).join(' '));
  assert.deepEqual(ids(s).slice(0, 5), ['Conv_0', 'BatchNormalization_0', 'Relu_0', 'MaxPool_0', 'Conv_1']);
  // Structure, not names, decides the defaults: the ReLUs after the two residual Adds.
  assert.deepEqual(defaults(s), ['Relu_2', 'Relu_4']);
  assert.deepEqual(await catalogueModel(model), s);
});

function withDynamicSize(model: ModelProto): ModelProto {
  const input = model.graph!.input![0]!;
  const dims = input.type!.tensorType!.shape!.dim!;
  dims[2] = { dimParam: 'height' };
  dims[3] = { dimParam: 'width' };
  return model;
}

test('dynamic height/width: inputSize is required, and sizes follow it', async () => {
  const model = withDynamicSize(tinyResNet());
  await assert.rejects(catalogueModel(model), (error: unknown) => {
    assert.ok(error instanceof NeurolensError);
    assert.equal(error.kind, 'usage');
    assert.match(error.message, /input "input" has dims \[batch, 3, height, width\]/);
    assert.match(error.message, /image size/);
    assert.ok(!error.message.includes('\n'));
    return true;
  });
  const fixed = await catalogueModel(tinyResNet());
  const same = await catalogueModel(model, { inputSize: [16, 16] });
  assert.deepEqual(same.layers, fixed.layers);
  assert.deepEqual(same.input.dims, ['batch', 3, 'height', 'width']);
  assert.match(same.notes.join(' '), /16×16 input/);
  const big = await catalogueModel(model, { inputSize: [32, 24] });
  assert.deepEqual(big.layers.find((l) => l.id === 'layer2.0')!.spatial, [8, 6]);
  assert.deepEqual(defaults(big), ['layer1.0', 'layer2.0']);

  const vit = withDynamicSize(tinyVit());
  const v = await catalogueModel(vit, { inputSize: [16, 16] });
  assert.deepEqual(v.layers.find((l) => l.isDefault)!.tokens, { count: 17, prefix: 1, grid: [4, 4] });
});

test('an input size that contradicts a fixed input, or is malformed, is refused', async () => {
  await assert.rejects(catalogueModel(tinyResNet(), { inputSize: [32, 32] }), (error: unknown) =>
    error instanceof NeurolensError && /fixed dims \[batch, 3, 16, 16\].*32x32/.test(error.message));
  await assert.rejects(catalogueModel(tinyResNet(), { inputSize: [0, 16] as [number, number] }), (error: unknown) =>
    error instanceof NeurolensError && error.kind === 'usage' && /two positive integers/.test(error.message));
});

test('probeShapes reads inferred shapes, and runs a dummy batch when inference leaves dims open', async () => {
  const names = ['/relu/Relu_output_0', '/avgpool/GlobalAveragePool_output_0', '/Flatten_output_0', 'logits', 'no-such-tensor'];
  const model = tinyResNet();
  const inferred = await probeShapes(model, names);
  assert.equal(inferred.ranDummyBatch, false);
  assert.equal(inferred.batch, 'batch');
  assert.deepEqual(inferred.inputs, [{ name: 'input', elemType: 'float32', dims: ['batch', 3, 16, 16] }]);
  assert.deepEqual(inferred.tensors.get('/relu/Relu_output_0'), { name: '/relu/Relu_output_0', elemType: 'float32', dims: ['batch', 8, 16, 16] });
  assert.deepEqual(inferred.tensors.get('/avgpool/GlobalAveragePool_output_0')?.dims, ['batch', 16, 1, 1]);
  assert.deepEqual(inferred.tensors.get('/Flatten_output_0')?.dims, ['batch', 16]);
  assert.deepEqual(inferred.tensors.get('logits')?.dims, ['batch', 5]);
  assert.equal(inferred.tensors.has('no-such-tensor'), false);
  assert.deepEqual(inferred.outputs.map((o) => o.name), ['logits']);

  // From bytes (the repeated 'logits' output is harmless), with dynamic H/W: a dummy run.
  const dynamic = encodeModel(withDynamicSize(tinyResNet()));
  const ran = await probeShapes(dynamic, names.slice(0, -1), { inputSize: [8, 8] });
  assert.equal(ran.ranDummyBatch, true);
  assert.deepEqual(ran.tensors.get('/relu/Relu_output_0')?.dims, ['batch', 8, 8, 8]);
  assert.deepEqual(ran.tensors.get('/Flatten_output_0')?.dims, ['batch', 16]);
  assert.deepEqual(ran.outputs.map((o) => [o.name, o.dims]), [['logits', ['batch', 5]]]);
  assert.deepEqual(ran.inputSize, [8, 8]);
});

test('formatCatalogue shows a plain grid when there is no prefix token', async () => {
  const text = formatCatalogue(await catalogueModel(miniVit('op')));
  assert.match(text, /^\*\s+blocks\.0\.mlp\.act\s+tokens\s+16\s+4×4\s+Gelu\s+/m);
  assert.match(text, /^\s+reducemean\s+vector\s+8\s+-\s+ReduceMean\s+/m);
});

test('no rule matches (a CNN without activations): last layer of each block, with a note', async () => {
  const net = new Net('linear-cnn', 17, 9);
  const { g } = net;
  let x = g.node('Conv', [g.input('input', ['batch', 3, 8, 8]), net.w([4, 3, 3, 3])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: '/conv1/Conv' });
  x = g.node('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] }, { name: '/pool/MaxPool' });
  x = g.node('Conv', [x, net.w([4, 4, 3, 3])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: '/conv2/Conv' });
  const flat = g.node('Flatten', [g.node('GlobalAveragePool', [x], {}, { name: '/gap/GlobalAveragePool' })], { axis: 1 }, { name: '/Flatten' });
  g.output(g.node('Gemm', [flat, net.w([2, 4]), net.w([2])], { transB: 1 }, { name: '/fc/Gemm', outputs: ['logits'] }), ['batch', 2]);
  const s = await catalogueModel(g.build());
  assert.deepEqual(ids(s), ['conv1', 'pool', 'conv2', 'gap', 'fc']);
  assert.deepEqual(defaults(s), ['conv1', 'conv2']);
  assert.equal(s.notes.length, 1);
  assert.match(s.notes[0]!, /no default-layer rule matched/);
  assert.match(formatCatalogue(s), /^note: no default-layer rule matched/m);
});
