import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogueModel, formatCatalogue, type LayerInfo, type ModelSummary } from '../../src/onnx/catalogue/index.js';
import { encodeModel } from '../../src/onnx/codec.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { TINY_CLASSES, TINY_VIT, tinyPlainCnn, tinyResNet, tinyVit } from '../fixtures/tiny-models.js';

const ids = (s: ModelSummary) => s.layers.map((l) => l.id);
const defaults = (s: ModelSummary) => s.layers.filter((l) => l.isDefault).map((l) => l.id);
const layer = (s: ModelSummary, id: string): LayerInfo => {
  const found = s.layers.find((l) => l.id === id);
  assert.ok(found, `no layer ${id} in ${ids(s).join(', ')}`);
  return found;
};

/** Output of the node whose name matches `pattern` (names are the fixture's, torch-style). */
function outputOf(model: ModelProto, pattern: RegExp): string {
  const matches = (model.graph!.node ?? []).filter((n) => pattern.test(n.name ?? ''));
  assert.equal(matches.length, 1, `one node should match ${pattern}`);
  return matches[0]!.output![0]!;
}

/** Op type of the node producing each tensor. */
function producers(model: ModelProto): Map<string, string> {
  return new Map((model.graph!.node ?? []).flatMap((n) => (n.output ?? []).map((o) => [o, n.opType ?? ''] as const)));
}

test('tinyResNet: ids, kinds, sizes, blocks and residual-block defaults', async () => {
  const model = tinyResNet();
  const s = await catalogueModel(model);
  assert.deepEqual(s.input, { name: 'input', dims: ['batch', 3, 16, 16], elemType: 'float32' });
  assert.deepEqual(s.outputs, [{ name: 'logits', dims: ['batch', TINY_CLASSES], elemType: 'float32' }]);
  assert.equal(s.numClasses, TINY_CLASSES);
  assert.deepEqual(ids(s), [
    'conv1', 'bn1', 'relu', 'maxpool',
    'layer1.0.conv1', 'layer1.0.bn1', 'layer1.0.relu', 'layer1.0.conv2', 'layer1.0.bn2', 'layer1.0.add', 'layer1.0',
    'layer2.0.conv1', 'layer2.0.bn1', 'layer2.0.relu', 'layer2.0.conv2', 'layer2.0.bn2',
    'layer2.0.downsample.0', 'layer2.0.downsample.1', 'layer2.0.add', 'layer2.0',
    'avgpool', 'fc',
  ]);
  assert.deepEqual(defaults(s), ['layer1.0', 'layer2.0']);
  assert.deepEqual(s.notes, []);

  const block = layer(s, 'layer1.0');
  assert.equal(block.op, 'Relu');
  assert.equal(block.kind, 'feature');
  assert.equal(block.channels, 8);
  assert.deepEqual(block.spatial, [8, 8]);
  assert.equal(block.tensor, outputOf(model, /layer1\.0\/relu_1\/Relu$/));
  assert.deepEqual(layer(s, 'layer2.0').spatial, [4, 4]);
  assert.equal(layer(s, 'layer2.0').channels, 16);
  assert.deepEqual(layer(s, 'conv1').spatial, [16, 16]);
  assert.equal(layer(s, 'layer1.0.add').op, 'Add');

  // Blocks: named residual blocks; the stem and head fall into stages named after their last layer.
  assert.deepEqual([...new Set(s.layers.filter((l) => l.id.startsWith('layer2.0')).map((l) => l.block))], ['layer2.0']);
  assert.deepEqual(['conv1', 'bn1', 'relu', 'maxpool', 'avgpool', 'fc'].map((id) => layer(s, id).block), ['relu', 'relu', 'relu', 'maxpool', 'fc', 'fc']);

  // A [N,C,1,1] pooled map is a vector; the Flatten after it is not listed again.
  const pooled = layer(s, 'avgpool');
  assert.equal(pooled.kind, 'vector');
  assert.equal(pooled.channels, 16);
  assert.equal(pooled.spatial, undefined);
  assert.ok(!s.layers.some((l) => l.op === 'Flatten'));
  assert.deepEqual({ kind: layer(s, 'fc').kind, channels: layer(s, 'fc').channels, tensor: layer(s, 'fc').tensor }, { kind: 'vector', channels: 5, tensor: 'logits' });

  // Sorted by topological index.
  const indices = s.layers.map((l) => l.index);
  assert.deepEqual(indices, [...indices].sort((a, b) => a - b));
  assert.equal(new Set(ids(s)).size, s.layers.length);
});

test('tinyPlainCnn: stage outputs (last activation before each downsampling) are the defaults', async () => {
  const s = await catalogueModel(tinyPlainCnn());
  assert.deepEqual(ids(s), ['features.0', 'features.1', 'features.2', 'features.3', 'features.4', 'features.5', 'features.6', 'features.7', 'avgpool', 'fc']);
  assert.deepEqual(defaults(s), ['features.3', 'features.6']);
  assert.deepEqual(layer(s, 'features.3').spatial, [16, 16]);
  assert.deepEqual(layer(s, 'features.6').spatial, [8, 8]);
  assert.equal(layer(s, 'features.6').channels, 12);
  assert.deepEqual(layer(s, 'features.7').spatial, [4, 4]);
  // Stages: runs of one spatial size, each named after its last layer.
  assert.deepEqual(s.layers.map((l) => l.block), ['features.3', 'features.3', 'features.3', 'features.3', 'features.6', 'features.6', 'features.6', 'features.7', 'fc', 'fc']);
  assert.equal(s.numClasses, TINY_CLASSES);
});

test('tinyVit: token layers with a 1+4×4 grid, GELU defaults, no attention internals or shape ops', async () => {
  const model = tinyVit();
  const s = await catalogueModel(model);
  const perBlock = (b: number) => ['norm1', 'attn.q', 'attn.k', 'attn.v', 'attn.proj', 'add', 'norm2', 'mlp.fc1', 'mlp.act', 'mlp.fc2'].map((m) => `blocks.${b}.${m}`).concat(`blocks.${b}`);
  assert.deepEqual(ids(s), ['patch_embed.proj', 'add', ...perBlock(0), ...perBlock(1), 'norm', 'head']);
  assert.deepEqual(defaults(s), ['blocks.0.mlp.act', 'blocks.1.mlp.act']);

  const act = layer(s, 'blocks.1.mlp.act');
  assert.equal(act.kind, 'tokens');
  assert.equal(act.channels, TINY_VIT.mlp);
  assert.equal(act.op, 'Mul');
  assert.equal(act.block, 'blocks.1');
  assert.deepEqual(act.tokens, { count: TINY_VIT.tokens, prefix: 1, grid: [TINY_VIT.grid, TINY_VIT.grid] });
  // The GELU output is the tensor feeding fc2.
  const fc2 = model.graph!.node!.find((n) => /blocks\.1\b.*\/fc2\/MatMul$/.test(n.name ?? ''))!;
  assert.equal(act.tensor, fc2.input![0]);

  // The position-embedding Add starts the residual stream; the block's last Add is the block output.
  assert.deepEqual(layer(s, 'add').tokens, { count: 17, prefix: 1, grid: [4, 4] });
  assert.equal(layer(s, 'blocks.0').tensor, outputOf(model, /blocks\.0\/Add_1$/));
  assert.deepEqual({ kind: layer(s, 'patch_embed.proj').kind, spatial: layer(s, 'patch_embed.proj').spatial }, { kind: 'feature', spatial: [4, 4] });
  assert.deepEqual({ kind: layer(s, 'head').kind, channels: layer(s, 'head').channels }, { kind: 'vector', channels: 5 });

  const ops = producers(model);
  const listed = new Set(s.layers.map((l) => l.tensor));
  for (const [tensor, op] of ops) {
    if (['Reshape', 'Transpose', 'Concat', 'Gather', 'Expand', 'Shape', 'Softmax', 'Div', 'Erf'].includes(op)) {
      assert.ok(!listed.has(tensor), `${op} output ${tensor} must not be a layer`);
    }
  }
  // Attention scores/values ([N,heads,T,T], [N,heads,T,dh]) and their scaling are not layers.
  for (const name of ['MatMul', 'Mul', 'MatMul_1']) assert.ok(!listed.has(outputOf(model, new RegExp(`blocks\\.0\\/attn\\/${name}$`))));
  // Neither are the bias-free halves of linear layers nor the GELU's intermediate Add/Mul.
  for (const node of [/blocks\.0\/mlp\/fc1\/MatMul$/, /blocks\.0\/mlp\/act\/Add$/, /blocks\.0\/mlp\/act\/Mul$/, /blocks\.0\/attn\/q\/MatMul$/]) {
    assert.ok(!listed.has(outputOf(model, node)), String(node));
  }
  assert.ok(s.layers.every((l) => l.kind !== 'tokens' || l.tokens!.count === 17));
});

test('onnxBytes: probing appended to the caller\'s bytes gives the same catalogue', async () => {
  const model = tinyVit();
  const plain = await catalogueModel(model);
  const viaBytes = await catalogueModel(model, { onnxBytes: encodeModel(model) });
  assert.deepEqual(viaBytes, plain);
  // Bytes onnxruntime cannot load fall back to the model.
  const fallback = await catalogueModel(model, { onnxBytes: new Uint8Array([1, 2, 3]) });
  assert.deepEqual(fallback, plain);
});

test('catalogueModel is deterministic and leaves the model untouched', async () => {
  const model = tinyResNet();
  const before = encodeModel(model);
  const a = await catalogueModel(model);
  const b = await catalogueModel(model);
  assert.deepEqual(a, b);
  assert.deepEqual(encodeModel(model), before);
  assert.equal(JSON.stringify(a), JSON.stringify(b));
});

test('formatCatalogue: input, classes and one row per layer with size/grid and default marker', async () => {
  const vit = formatCatalogue(await catalogueModel(tinyVit()));
  assert.match(vit, /^input\s+input\s+float32\s+\[batch, 3, 16, 16\]$/m);
  assert.match(vit, /^classes\s+5$/m);
  assert.match(vit, /^layers\s+26 \(2 default, marked \*\)$/m);
  assert.match(vit, /^\*\s+blocks\.0\.mlp\.act\s+tokens\s+16\s+1\+4×4\s+Mul\s+\S+$/m);
  assert.match(vit, /^\s+patch_embed\.proj\s+feature\s+8\s+4×4\s+Conv\s+/m);
  assert.match(vit, /^\s+head\s+vector\s+5\s+-\s+Gemm\s+logits$/m);
  const resnet = formatCatalogue(await catalogueModel(tinyResNet()));
  assert.match(resnet, /^\*\s+layer1\.0\s+feature\s+8\s+8×8\s+Relu\s+/m);
  assert.match(resnet, /^\s+conv1\s+feature\s+8\s+16×16\s+Conv\s+\S+$/m);
  assert.equal(resnet.split('\n').filter((line) => /^[* ] {2}\S/.test(line)).length, 1 + 22);
});
