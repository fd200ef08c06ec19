// Neuron Sensitivity Scores, batched: exact values on a hand-weighted graph, the extra cut inputs of
// a ViT (and that the cut reproduces the full model), batching that does not change the scores,
// and the usage errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { cutInputsFor, SensitivityEngine, type SensitivityLayer } from '../../src/circuits/sensitivity.js';
import { NeurolensError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/onnx/builder.js';
import { catalogueModel } from '../../src/onnx/catalogue/index.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { cutModel } from '../../src/onnx/cut.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { ModelSession } from '../../src/runtime/session.js';
import type { TensorLike } from '../../src/runtime/types.js';
import { randomImages, tinyResNet, tinyVit } from '../fixtures/tiny-models.js';
import { assertClose, tensorOf } from '../runtime/helpers.js';

/**
 * input [N,3,2,2] → A = Relu(Conv1x1(input, identity)) → B = Relu(Conv1x1(A, W)) → GAP, with
 *   W = [[1, 1, 0], [2, 0, −1], [0, 0.5, 0]]   (B's channel c′ = Relu(Σ_c W[c′][c]·A_c)).
 * On the query a0 = 1, a1 = 2 everywhere and a2 = [0, 1, 2, 3]: clean B = 3 | [2,1,0,0] | 1.
 *  - zero a0: B = 2 | 0 | 1 → drops 1, 0.75, 0 → S = [4/7, 3/7, 0];
 *  - zero a1: B = 1 | [2,1,0,0] | 0 → drops 2, 0, 1 → S = [2/3, 0, 1/3];
 *  - zero a2: B = 3 | 2 | 1 → drops 0, −1.25 (clipped), 0 → Σ = 0 → all zeros.
 */
function handGraph(): { model: ModelProto; layers: SensitivityLayer[]; query: TensorLike } {
  const g = new GraphBuilder({ name: 'hand' });
  const input = g.input('input', ['batch', 3, 2, 2]);
  const identity = g.initializer('l1.weight', Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), [3, 3, 1, 1]);
  const a = g.node('Relu', [g.node('Conv', [input, identity], { kernel_shape: [1, 1] }, { name: '/l1/Conv' })], {}, { name: '/l1/Relu' });
  const w = g.initializer('l2.weight', Float32Array.from([1, 1, 0, 2, 0, -1, 0, 0.5, 0]), [3, 3, 1, 1]);
  const b = g.node('Relu', [g.node('Conv', [a, w], { kernel_shape: [1, 1] }, { name: '/l2/Conv' })], {}, { name: '/l2/Relu' });
  g.output(g.node('GlobalAveragePool', [b], {}, { name: '/pool', outputs: ['pooled'] }), ['batch', 3, 1, 1]);
  const layers: SensitivityLayer[] = [
    { id: 'l1', tensor: a, kind: 'feature', channels: 3 },
    { id: 'l2', tensor: b, kind: 'feature', channels: 3 },
  ];
  const query = { data: Float32Array.from([1, 1, 1, 1, 2, 2, 2, 2, 0, 1, 2, 3]), dims: [1, 3, 2, 2] };
  return { model: g.build(), layers, query };
}

const EXPECTED = [[4 / 7, 3 / 7, 0], [2 / 3, 0, 1 / 3], [0, 0, 0]];

function assertScores(actual: Float64Array, expected: readonly number[], label: string, tolerance = 1e-12): void {
  assert.equal(actual.length, expected.length, label);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `${label}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

test('hand-weighted graph: S values are the known answers, Σ = 0 gives all zeros', async () => {
  const { model, layers, query } = handGraph();
  assert.deepEqual(cutInputsFor(model, layers[0]!.tensor, layers[1]!.tensor), [layers[0]!.tensor]);
  const engine = await SensitivityEngine.create(model, layers, { threads: 1 });
  try {
    const clean = await engine.clean(query);
    assert.equal(query.data.length, 12, 'the query is copied, not consumed');
    const scores = await engine.scores(0, clean, [0, 1, 2]);
    scores.forEach((s, c) => assertScores(s, EXPECTED[c]!, `source ${c}`));
    assert.deepEqual([...scores[2]!], [0, 0, 0]);
    // Any order, any batch size (here 1 row: the clean row alone, then one source per run) and a
    // second call on the same query (clean output reused) give the same rows.
    const small = await SensitivityEngine.create(model, layers, { threads: 1, batch: 1 });
    try {
      const again = await small.scores(0, await small.clean(query), [2, 0, 1, 0]);
      [2, 0, 1, 0].forEach((c, i) => assertScores(again[i]!, EXPECTED[c]!, `batch 1, source ${c}`));
    } finally {
      await small.close();
    }
    const reused = await engine.scores(0, clean, [1]);
    assertScores(reused[0]!, EXPECTED[1]!, 'reused clean');
    assert.deepEqual(await engine.scores(0, clean, []), []);
  } finally {
    await engine.close();
    await engine.close();
  }
});

test('usage errors: layer index, source channel, query batch, batch size, too few layers, unrelated tensors', async () => {
  const { model, layers, query } = handGraph();
  await assert.rejects(SensitivityEngine.create(model, layers.slice(0, 1)), /at least 2 analysis layers/);
  await assert.rejects(SensitivityEngine.create(model, layers, { batch: 0 }), /batch must be a positive integer/);
  assert.throws(() => cutInputsFor(model, layers[1]!.tensor, layers[0]!.tensor), (e: unknown) => e instanceof NeurolensError && /is not computed from/.test(e.message));
  const engine = await SensitivityEngine.create(model, layers, { threads: 1 });
  const clean = await engine.clean(query);
  try {
    await assert.rejects(engine.scores(1, clean, [0]), /no next layer to score against; use 0 to 0/);
    await assert.rejects(engine.scores(0, clean, [3]), /channel 3 is not a neuron of layer l1; channels are 0 to 2/);
    await assert.rejects(engine.clean({ data: new Float32Array(24), dims: [2, 3, 2, 2] }), /single image/);
  } finally {
    await engine.close();
  }
  await assert.rejects(engine.scores(0, clean, [0]), /the sensitivity engine was closed/);
});

describeVit();

function describeVit(): void {
  let model: ModelProto;
  let layers: SensitivityLayer[];
  let engine: SensitivityEngine;
  const query = { data: randomImages(1, 16, 21), dims: [1, 3, 16, 16] };

  before(async () => {
    model = tinyVit();
    const summary = await catalogueModel(model);
    layers = summary.layers.filter((l) => l.isDefault);
    engine = await SensitivityEngine.create(model, layers, { threads: 1, batch: 5 });
  });
  after(async () => engine?.close());

  test('ViT: the cut from an MLP hidden needs the residual stream, found from the graph', () => {
    assert.deepEqual(layers.map((l) => l.id), ['blocks.0.mlp.act', 'blocks.1.mlp.act']);
    const stream0 = tensorOf(model, 'blocks.0/Add');
    assert.deepEqual(engine.cutInputs, [[layers[0]!.tensor, stream0]]);
    assert.deepEqual(cutInputsFor(model, layers[0]!.tensor, layers[1]!.tensor), [layers[0]!.tensor, stream0]);
  });

  test('ViT: the cut fed the clean hidden + stream reproduces the full model\'s next hidden', async () => {
    const clean = await engine.clean(query);
    const inputs = engine.cutInputs[0]!;
    const session = await ModelSession.create(encodeModel(cutModel(model, { from: [...inputs], to: [layers[1]!.tensor] })), { threads: 1 });
    try {
      const feeds = { [inputs[0]!]: { data: clean.layers[0]!.data.slice(), dims: clean.layers[0]!.dims }, [inputs[1]!]: { data: clean.extras[inputs[1]!]!.data.slice(), dims: clean.extras[inputs[1]!]!.dims } };
      const out = await session.run(feeds);
      assertClose(out[layers[1]!.tensor], clean.layers[1], 'blocks.1.mlp.act', 1e-5);
    } finally {
      await session.close();
    }
  });

  test('ViT: scores are distributions over the next layer, independent of the batch split', async () => {
    const clean = await engine.clean(query);
    const sources = Array.from({ length: 16 }, (_, c) => c);
    const scores = await engine.scores(0, clean, sources);
    assert.equal(scores.length, 16);
    let nonEmpty = 0;
    for (const s of scores) {
      assert.equal(s.length, 16);
      const sum = s.reduce((a, b) => a + b, 0);
      assert.ok(s.every((v) => v >= 0));
      assert.ok(sum === 0 || Math.abs(sum - 1) < 1e-12, `sum ${sum}`);
      if (sum > 0) nonEmpty++;
    }
    assert.ok(nonEmpty >= 8, `most sources have edges (${nonEmpty})`);
    const one = await SensitivityEngine.create(model, layers, { threads: 1, batch: 64 });
    try {
      const together = await one.scores(0, await one.clean(query), sources);
      together.forEach((s, c) => assertScores(s, [...scores[c]!], `batch 64 vs 5, source ${c}`, 1e-6));
    } finally {
      await one.close();
    }
  });
}

test('CNN: the cut between residual blocks needs no extra input', () => {
  const model = tinyResNet();
  const block1 = tensorOf(model, 'layer1.0/relu_1/Relu');
  const block2 = tensorOf(model, 'layer2.0/relu_1/Relu');
  assert.deepEqual(cutInputsFor(model, block1, block2), [block1]);
});
