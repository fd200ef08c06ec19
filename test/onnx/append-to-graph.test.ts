// Appending to an encoded model's graph: the extended bytes decode to the model with the additions
// appended, and a session built from them computes what one built from a full encode computes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appendToGraph, decodeModel, encodeModel } from '../../src/onnx/codec.js';
import { instrumentModel } from '../../src/onnx/instrument.js';
import { InstrumentedModel } from '../../src/runtime/instrumented.js';
import { randomImages, tinyResNet } from '../fixtures/tiny-models.js';
import { copyFeeds, images, tensorOf } from '../runtime/helpers.js';

test('appended bytes decode to the graph with the additions appended', () => {
  const model = tinyResNet();
  const bytes = encodeModel(model);
  const relu = tensorOf(model, '/relu/Relu');
  const instrumented = instrumentModel(model, { taps: ['input', relu], reductions: [{ tensor: relu, reduction: 'mean', axes: [2, 3] }] });
  assert.ok(instrumented.additions, 'taps and reductions only add');
  const decoded = decodeModel(appendToGraph(bytes, instrumented.additions!));
  const original = decodeModel(bytes);
  const { node = [], output = [] } = instrumented.additions!;
  assert.deepEqual(decoded.graph!.node, [...original.graph!.node!, ...decodeModel(encodeModel({ graph: { node } })).graph!.node!]);
  assert.deepEqual(decoded.graph!.output!.map((o) => o.name), [...original.graph!.output!, ...output].map((o) => o.name));
  assert.deepEqual({ ...decoded, graph: undefined }, { ...original, graph: undefined }, 'fields around the graph unchanged');
});

test('interventions rewrite nodes, so they give no additions', () => {
  const model = tinyResNet();
  assert.equal(instrumentModel(model, { interventions: [tensorOf(model, '/relu/Relu')] }).additions, undefined);
});

test('a session from appended bytes returns the same taps and reductions as from a full encode', async () => {
  const model = tinyResNet();
  const relu = tensorOf(model, 'layer1.0/relu_1/Relu');
  const spec = { taps: ['input', relu], reductions: [{ tensor: relu, reduction: 'max' as const, axes: [2, 3] }] };
  const feeds = images(2, randomImages(2));
  const [encoded, spliced] = await Promise.all([InstrumentedModel.create(model, spec), InstrumentedModel.create(model, spec, {}, encodeModel(model))]);
  try {
    const a = await encoded.run(copyFeeds(feeds));
    const b = await spliced.run(copyFeeds(feeds));
    assert.deepEqual(b, a);
  } finally {
    await Promise.all([encoded.close(), spliced.close()]);
  }
});
