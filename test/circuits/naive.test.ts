// The naive scheme (three full-model passes per source, batch 1) gives the known answers on a
// hand-weighted graph and the same S as the batched engine on a tiny ResNet and a tiny ViT.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NaiveSensitivity } from '../../src/circuits/naive.js';
import type { SensitivityLayer } from '../../src/circuits/sensitivity.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { catalogueModel } from '../../src/onnx/catalogue/index.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { batchedAndNaive } from '../fixtures/sensitivity.js';
import { randomImages, tinyResNet, tinyVit } from '../fixtures/tiny-models.js';

/** The hand-weighted graph of sensitivity.test.ts (its comment derives the expected S). */
function handGraph(): { model: ModelProto; layers: SensitivityLayer[] } {
  const g = new GraphBuilder({ name: 'hand' });
  const input = g.input('input', ['batch', 3, 2, 2]);
  const identity = g.initializer('l1.weight', Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), [3, 3, 1, 1]);
  const a = g.node('Relu', [g.node('Conv', [input, identity], { kernel_shape: [1, 1] }, { name: '/l1/Conv' })], {}, { name: '/l1/Relu' });
  const w = g.initializer('l2.weight', Float32Array.from([1, 1, 0, 2, 0, -1, 0, 0.5, 0]), [3, 3, 1, 1]);
  const b = g.node('Relu', [g.node('Conv', [a, w], { kernel_shape: [1, 1] }, { name: '/l2/Conv' })], {}, { name: '/l2/Relu' });
  g.output(g.node('GlobalAveragePool', [b], {}, { name: '/pool', outputs: ['pooled'] }), ['batch', 3, 1, 1]);
  return {
    model: g.build(),
    layers: [
      { id: 'l1', tensor: a, kind: 'feature', channels: 3 },
      { id: 'l2', tensor: b, kind: 'feature', channels: 3 },
    ],
  };
}

function worstDifference(a: readonly Float64Array[], b: readonly Float64Array[]): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  a.forEach((row, i) => {
    assert.equal(row.length, b[i]!.length);
    row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i]![j]!))));
  });
  return worst;
}

test('naive scheme: the hand-weighted graph gives the known answers', async () => {
  const { model, layers } = handGraph();
  const naive = await NaiveSensitivity.create(model, layers, { threads: 1 });
  try {
    const query = { data: Float32Array.from([1, 1, 1, 1, 2, 2, 2, 2, 0, 1, 2, 3]), dims: [1, 3, 2, 2] };
    const scores = await naive.scores(0, query, [0, 1, 2]);
    const expected = [[4 / 7, 3 / 7, 0], [2 / 3, 0, 1 / 3], [0, 0, 0]];
    scores.forEach((s, c) => s.forEach((v, j) => assert.ok(Math.abs(v - expected[c]![j]!) <= 1e-12, `source ${c}: ${[...s]}`)));
    assert.equal(query.data.length, 12, 'the query is copied, not consumed');
  } finally {
    await naive.close();
  }
});

/** Batched and naive S for every source of layer 0 → layer 1 of `model`'s default layers. */
async function compare(model: ModelProto, ids: string[], seed: number): Promise<{ batched: Float64Array[]; naive: Float64Array[] }> {
  const layers = (await catalogueModel(model)).layers.filter((l) => l.isDefault);
  assert.deepEqual(layers.map((l) => l.id), ids);
  const query = { data: randomImages(1, 16, seed), dims: [1, 3, 16, 16] };
  const sources = Array.from({ length: layers[0]!.channels }, (_, c) => c);
  return batchedAndNaive(model, layers, query, sources, 4);
}

test('tinyResNet layer1.0 → layer2.0: batched engine = naive scheme (≤ 1e-5)', async () => {
  const { batched, naive } = await compare(tinyResNet(), ['layer1.0', 'layer2.0'], 31);
  assert.equal(batched.length, 8);
  assert.ok(worstDifference(batched, naive) <= 1e-5, `worst ${worstDifference(batched, naive)}`);
  assert.ok(naive.filter((s) => s.some((v) => v > 0)).length >= 4, 'most sources have edges');
});

test('tinyVit blocks.0.mlp.act → blocks.1.mlp.act (residual stream fed clean): batched = naive (≤ 1e-5)', async () => {
  const { batched, naive } = await compare(tinyVit(), ['blocks.0.mlp.act', 'blocks.1.mlp.act'], 32);
  assert.equal(batched.length, 16);
  assert.ok(worstDifference(batched, naive) <= 1e-5, `worst ${worstDifference(batched, naive)}`);
  assert.ok(naive.filter((s) => s.some((v) => v > 0)).length >= 8, 'most sources have edges');
});
