// Shape computations survive every rewrite: on a Swin-like windowed-attention model whose Reshape
// targets are int64 Shape/Gather/Concat sub-graphs rooted at the image's batch size, taps,
// interventions, cuts and the circuits' batched cuts equal the unmodified model.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cutInputsFor, type SensitivityLayer } from '../../src/circuits/sensitivity.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { cutModel } from '../../src/onnx/cut.js';
import { instrumentModel } from '../../src/onnx/instrument.js';
import { NeurolensError } from '../../src/errors.js';
import { elemTypeOf, indexGraph } from '../../src/onnx/graph.js';
import { DATA_TYPE, type ModelProto } from '../../src/onnx/types.js';
import { InstrumentedModel } from '../../src/runtime/instrumented.js';
import { ModelSession } from '../../src/runtime/session.js';
import type { TensorLike } from '../../src/runtime/types.js';
import { tinySwin } from '../fixtures/arch-models.js';
import { batchedAndNaive } from '../fixtures/sensitivity.js';
import { randomImages } from '../fixtures/tiny-models.js';
import { assertClose, copyFeeds, images, referenceRun, tensorOf } from '../runtime/helpers.js';

const BATCH = 4;
const inputs = images(BATCH, randomImages(BATCH, 16, 31));
const model = tinySwin();
const embed = tensorOf(model, 'features.0.0/Conv');
const stage0 = tensorOf(model, 'features.0.2/LayerNormalization');
const block0 = tensorOf(model, 'features.1.0/Add_1');
const block1 = tensorOf(model, 'features.1.1/Add_1');
const windows = tensorOf(model, 'features.1.1/attn/Reshape_1');
const rolled = tensorOf(model, 'features.1.1/attn/Concat_w');
const target = tensorOf(model, 'features.1.1/attn/Concat');
const permuted = tensorOf(model, 'permute/Transpose');

async function runModel(m: ModelProto, feeds: Record<string, TensorLike>): Promise<Record<string, TensorLike>> {
  const session = await ModelSession.create(encodeModel(m), { threads: 1 });
  try {
    return await session.run(copyFeeds(feeds));
  } finally {
    await session.close();
  }
}

test('a Reshape target built without value_info is known to be int64, so cuts declare it so', async () => {
  assert.equal(elemTypeOf(indexGraph(model.graph!), target), DATA_TYPE.int64);
  const split = tensorOf(model, 'features.1.1/attn/Reshape');
  const reference = await referenceRun(model, [rolled, target, split], inputs);
  const cut = cutModel(model, { from: [rolled, target], to: [split] });
  assert.deepEqual(cut.graph!.input!.map((v) => v.type!.tensorType!.elemType), [DATA_TYPE.float32, DATA_TYPE.int64]);
  const result = await runModel(cut, { [rolled]: reference[rolled]!, [target]: reference[target]! });
  assertClose(result[split], reference[split], 'window split');
});

test('circuits: the cut carries the shape sub-graph and is fed what its Shape ops read, not an int64 value', async () => {
  assert.deepEqual(cutInputsFor(model, embed, permuted), [embed, 'input']);
  assert.deepEqual(cutInputsFor(model, stage0, block0), [stage0, 'input']);
  const reference = await referenceRun(model, [embed, block0], inputs);
  const cut = cutModel(model, { from: [embed, 'input'], to: [block0, 'logits'] });
  const ops = new Set(cut.graph!.node!.map((n) => n.opType));
  for (const op of ['Shape', 'Gather', 'Concat', 'Reshape', 'Slice']) assert.ok(ops.has(op), `the cut keeps ${op}`);
  const result = await runModel(cut, { [embed]: reference[embed]!, input: inputs.input! });
  assertClose(result[block0], reference[block0], 'block 0 output');
  assertClose(result.logits, reference.logits, 'logits');
});

test('taps and identity interventions everywhere in the windowed block leave every value unchanged', async () => {
  const tensors = [embed, stage0, rolled, windows, block0, block1, permuted];
  const reference = await referenceRun(model, tensors, inputs);
  const instrumented = await InstrumentedModel.create(model, { taps: tensors, interventions: tensors }, { threads: 1 });
  try {
    const ones = { data: new Float32Array([1]), dims: [1] };
    const zeros = { data: new Float32Array([0]), dims: [1] };
    const interventions = Object.fromEntries(tensors.map((t) => [t, { mask: { ...ones, data: ones.data.slice() }, patch: { ...zeros, data: zeros.data.slice() } }]));
    const { outputs, taps } = await instrumented.run(copyFeeds(inputs), { interventions });
    assertClose(outputs.logits, reference.logits, 'logits');
    for (const t of tensors) assertClose(taps[t], reference[t], t);
  } finally {
    await instrumented.close();
  }
  // A shape computation is never rewritten into float: editing one is refused in one line.
  assert.throws(() => instrumentModel(model, { interventions: [target] }), (e: unknown) =>
    e instanceof NeurolensError && !e.message.includes('\n') && e.message.includes(JSON.stringify(target)) && /int64/.test(e.message));
});

test('circuits on the windowed block: batched cut scores equal the one-pass-per-source reference', async () => {
  const layers: SensitivityLayer[] = [
    { id: 'features.0.0', tensor: embed, kind: 'feature', channels: 8 },
    { id: 'permute', tensor: permuted, kind: 'feature', channels: 8 },
  ];
  const query = { data: randomImages(1, 16, 32), dims: [1, 3, 16, 16] };
  const sources = [0, 1, 2, 3, 4, 5, 6, 7];
  const { batched, naive: expected } = await batchedAndNaive(model, layers, query, sources, 3);
  assert.ok(batched.some((s) => s.some((v) => v > 0)), 'some source has an influence');
  batched.forEach((s, i) => s.forEach((v, c) => assert.ok(Math.abs(v - expected[i]![c]!) <= 1e-5, `source ${i} → ${c}: ${v} vs ${expected[i]![c]}`)));
});
