/** Naming rules of the catalogue (module paths, ids, '#n' repeats), without onnxruntime. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { findCandidates } from '../../src/onnx/catalogue/candidates.js';
import { analyseGraph } from '../../src/onnx/catalogue/domains.js';
import { nameLayers, type ShapedLayer } from '../../src/onnx/catalogue/layers.js';
import { parseNodeName } from '../../src/onnx/catalogue/naming.js';
import { findPatterns } from '../../src/onnx/catalogue/patterns.js';
import type { NodeProto } from '../../src/onnx/types.js';

const path = (name: string, extra: Partial<NodeProto> = {}) => parseNodeName({ name, opType: 'Relu', ...extra }, 'Relu_0');

test('module paths from torch-style node names', () => {
  assert.deepEqual(path('/layer3/layer3.1/relu_1/Relu'), { path: ['layer3', '1', 'relu_1'], leaf: 'relu' });
  assert.deepEqual(path('/layer3/layer3.1/Add_1'), { path: ['layer3', '1'], leaf: 'add_1' });
  assert.deepEqual(path('/layer2/layer2.0/downsample/downsample.0/Conv').path, ['layer2', '0', 'downsample', '0']);
  // Exporters writing each scope's qualified name repeat the parent: 'features.features.0'.
  assert.deepEqual(path('/features/features.features/features.features.0/Conv').path, ['features', '0']);
  // Repeated numbers are real nesting (MobileNet's features.0.0).
  assert.deepEqual(path('/features/features.0/features.0.0/Conv').path, ['features', '0', '0']);
  assert.deepEqual(path('/encoder/layers/encoder_layer_0/mlp/mlp.1/Mul_1').path, ['encoder', 'layers', 'encoder_layer_0', 'mlp', '1']);
  assert.deepEqual(path('/Add'), { path: [], leaf: 'add' });
  assert.deepEqual(path('Conv_3'), { path: null, leaf: 'Relu_0' });
  assert.deepEqual(path(''), { path: null, leaf: 'Relu_0' });
  // The dynamo exporter's scope metadata wins over the name.
  const dynamo = path('node_relu_1', { metadataProps: [{ key: 'pkg.torch.onnx.name_scopes', value: "['', 'layer1', 'layer1.0', 'layer1.0.relu']" }] });
  assert.deepEqual(dynamo, { path: ['layer1', '0', 'relu'], leaf: 'relu' });
});

test('repeated ids get #2, #3 in topological order; stages are named after their last layer', () => {
  const g = new GraphBuilder();
  let x = g.input('input', ['batch', 3, 8, 8]);
  const weight = g.initializer('w', new Float32Array(27 * 3), [3, 3, 3, 3]);
  x = g.node('Conv', [x, weight], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: '/stem/Conv' });
  x = g.node('Conv', [x, weight], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: '/stem/Conv_1' });
  x = g.node('Relu', [x], {}, { name: '/stem/Relu' });
  g.output(x, ['batch', 3, 8, 8]);
  const facts = analyseGraph(g.build().graph!);
  const patterns = findPatterns(facts);
  const shaped: ShapedLayer[] = findCandidates(facts, patterns).map((c) => ({ tensor: c.tensor, node: c.node, kind: 'feature', channels: 3, spatial: [8, 8] }));
  const named = nameLayers(facts, patterns, shaped);
  assert.deepEqual(named.map((l) => l.id), ['stem', 'stem#2', 'stem#3']);
  assert.deepEqual(named.map((l) => l.block), ['stem#3', 'stem#3', 'stem#3']);
});
