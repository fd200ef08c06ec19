// Interventions through onnxruntime: T' = T ⊙ mask + patch, checked against editing T by hand and
// running the cut sub-graph from T to the logits.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { encodeModel } from '../../src/onnx/codec.js';
import { cutModel } from '../../src/onnx/cut.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { NeurolensError } from '../../src/errors.js';
import { InstrumentedModel } from '../../src/runtime/instrumented.js';
import { ModelSession } from '../../src/runtime/session.js';
import type { TensorLike } from '../../src/runtime/types.js';
import { Random } from '../../src/util/random.js';
import { randomImages, tinyResNet, tinyVit } from '../fixtures/tiny-models.js';
import { assertClose, copyFeeds, images, maxDiff, referenceRun, tensorOf, zeroChannel } from '../runtime/helpers.js';

const BATCH = 8;
const resnet = tinyResNet();
const vit = tinyVit();
const inputs = images(BATCH, randomImages(BATCH, 16, 5));
const block = tensorOf(resnet, 'layer1.0/relu_1/Relu'); // [N, 8, 8, 8]
const relu2 = tensorOf(resnet, 'layer2.0/relu/Relu'); // [N, 16, 4, 4]
const stream = tensorOf(vit, 'blocks.0/Add_1'); // [N, 17, 8]
const gap = tensorOf(resnet, 'avgpool/GlobalAveragePool');
const flat = tensorOf(resnet, 'Flatten'); // [N, 16]

let reference: Record<string, TensorLike>;
let vitReference: Record<string, TensorLike>;
let model: InstrumentedModel;
let vitModel: InstrumentedModel;
let cutSession: ModelSession;

/** The logits computed from a hand-edited block output by the cut sub-graph. */
async function logitsFrom(edited: TensorLike): Promise<TensorLike> {
  const result = await cutSession.run({ [block]: { data: edited.data.slice(), dims: [...edited.dims] } });
  return result.logits!;
}

function filled(dims: number[], f: (i: number) => number): TensorLike {
  const n = dims.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, (_, i) => f(i)), dims };
}

before(async () => {
  [reference, vitReference, model, vitModel, cutSession] = await Promise.all([
    referenceRun(resnet, [block, relu2, flat], inputs),
    referenceRun(vit, [stream], inputs),
    InstrumentedModel.create(resnet, { interventions: [block, relu2, flat], taps: [block, gap] }),
    InstrumentedModel.create(vit, { interventions: [stream], taps: [stream] }),
    ModelSession.create(encodeModel(cutModel(resnet, { from: [block], to: ['logits'] }))),
  ]);
});

after(async () => {
  await Promise.all([model?.close(), vitModel?.close(), cutSession?.close()]);
});

test('identity masks and patches leave the model unchanged', async () => {
  const defaults = await model.run(copyFeeds(inputs));
  assertClose(defaults.outputs.logits, reference.logits, 'logits (default identity)');
  assertClose(defaults.taps[block], reference[block], 'tapped block');
  const explicit = await model.run(copyFeeds(inputs), {
    interventions: {
      [block]: { mask: filled([1, 8, 1, 1], () => 1), patch: filled([1, 8, 1, 1], () => 0) },
      [relu2]: { mask: filled([BATCH, 16, 4, 4], () => 1) },
      [flat]: { patch: filled([1, 16], () => 0) },
    },
  });
  assertClose(explicit.outputs.logits, reference.logits, 'logits (explicit identity)');
});

test('a per-channel zero mask equals zeroing the channel by hand and running the cut', async () => {
  for (const channel of [0, 5]) {
    const mask = filled([1, 8, 1, 1], (c) => (c === channel ? 0 : 1));
    const result = await model.run(copyFeeds(inputs), { interventions: { [block]: { mask } } });
    const edited = zeroChannel(reference[block]!, channel);
    assertClose(result.taps[block], edited, `tap sees the edited block (channel ${channel})`);
    assertClose(result.outputs.logits, await logitsFrom(edited), `logits (channel ${channel})`);
    assert.ok(maxDiff(result.outputs.logits!, reference.logits!) > 1e-4, 'the ablation changed the logits');
  }
});

test('a patch sets values: mask 0 + patch p gives T\' = p everywhere', async () => {
  const patch = filled([1, 8, 1, 1], (c) => c / 4);
  const result = await model.run(copyFeeds(inputs), { interventions: { [block]: { mask: filled([1], () => 0), patch } } });
  const expected = filled([BATCH, 8, 8, 8], (i) => Math.floor(i / 64) % 8 / 4);
  assertClose(result.taps[block], expected, 'patched block');
  assertClose(result.outputs.logits, await logitsFrom(expected), 'logits');
});

test('full-size masks and patches', async () => {
  const rng = new Random(9);
  const mask = filled([BATCH, 8, 8, 8], () => rng.next() * 2);
  const patch = filled([BATCH, 8, 8, 8], () => rng.normal() * 0.1);
  const t = reference[block]!.data as Float32Array;
  const expected = filled([BATCH, 8, 8, 8], (i) => t[i]! * (mask.data as Float32Array)[i]! + (patch.data as Float32Array)[i]!);
  const result = await model.run(copyFeeds(inputs), { interventions: { [block]: { mask, patch } } });
  assertClose(result.taps[block], expected, 'block');
  assertClose(result.outputs.logits, await logitsFrom(expected), 'logits');
});

test('per-sample ablation in one run: batch row i ablates channel i', async () => {
  // Circuit discovery's pattern: one image repeated, each row ablating a different channel.
  const one = randomImages(1, 16, 21);
  const repeated = new Float32Array(BATCH * one.length);
  for (let i = 0; i < BATCH; i++) repeated.set(one, i * one.length);
  const mask = filled([BATCH, 8, 1, 1], (k) => (Math.floor(k / 8) === k % 8 ? 0 : 1));
  const result = await model.run(images(BATCH, repeated.slice()), { interventions: { [block]: { mask } } });
  const base = await referenceRun(resnet, [block], images(BATCH, repeated));
  let edited = base[block]!;
  for (let i = 0; i < BATCH; i++) edited = zeroChannel(edited, i, [i]);
  assertClose(result.taps[block], edited, 'per-sample edited block');
  assertClose(result.outputs.logits, await logitsFrom(edited), 'per-sample logits');
  // Each row differs from the others: every ablation had its own effect.
  const logits = result.outputs.logits!.data as Float32Array;
  const rows = new Set(Array.from({ length: BATCH }, (_, i) => logits.slice(i * 5, i * 5 + 5).join(',')));
  assert.equal(rows.size, BATCH);
});

test('interventions on two tensors in one run compose', async () => {
  const result = await model.run(copyFeeds(inputs), {
    interventions: { [block]: { mask: filled([1, 8, 1, 1], (c) => (c === 2 ? 0 : 1)) }, [flat]: { patch: filled([1, 16], (d) => (d === 0 ? 1 : 0)) } },
  });
  // Reference: the block ablated by hand, then the cut (block → logits) with only the patch applied.
  const withPatch = await InstrumentedModel.create(cutModel(resnet, { from: [block], to: ['logits'] }), { interventions: [flat] });
  try {
    const edited = zeroChannel(reference[block]!, 2);
    const expected = await withPatch.run({ [block]: edited }, { interventions: { [flat]: { patch: filled([1, 16], (d) => (d === 0 ? 1 : 0)) } } });
    assertClose(result.outputs.logits, expected.outputs.logits, 'logits');
  } finally {
    await withPatch.close();
  }
});

test('ViT: per-token-dim mask [1, 1, D] on the residual stream equals the cut from the edited stream', async () => {
  const dim = 3;
  const mask = filled([1, 1, 8], (d) => (d === dim ? 0 : 1));
  const result = await vitModel.run(copyFeeds(inputs), { interventions: { [stream]: { mask } } });
  const t = (vitReference[stream]!.data as Float32Array).slice();
  for (let i = dim; i < t.length; i += 8) t[i] = 0;
  const edited = { data: t, dims: vitReference[stream]!.dims };
  assertClose(result.taps[stream], edited, 'stream');
  const cut = await ModelSession.create(encodeModel(cutModel(vit, { from: [stream], to: ['logits'] }) as ModelProto));
  try {
    const expected = await cut.run({ [stream]: { data: t.slice(), dims: [...edited.dims] } });
    assertClose(result.outputs.logits, expected.logits, 'logits');
  } finally {
    await cut.close();
  }
});

test('a mask that does not broadcast gives a one-line error naming the tensor', async () => {
  await assert.rejects(
    model.run(copyFeeds(inputs), { interventions: { [block]: { mask: filled([1, 5, 1, 1], () => 1) } } }),
    (error: unknown) => {
      assert.ok(error instanceof NeurolensError);
      assert.equal(error.message.includes('\n'), false);
      assert.match(error.message, /^the mask for ".*relu_1\/Relu_output_0" \(dims \[1, 5, 1, 1\]\) does not broadcast against the tensor \(cannot broadcast a dim of 5 against 8\); use \[N or 1, C, 1, 1\]/);
      return true;
    },
  );
  await assert.rejects(model.run({ ...copyFeeds(inputs), [`mask__${'x'}`]: filled([1], () => 1) }), /the model has no input "mask__x"/);
  const maskName = Object.values((model as unknown as { interventionInputs: Record<string, { mask: string }> }).interventionInputs)[0]!.mask;
  await assert.rejects(model.run({ ...copyFeeds(inputs), [maskName]: filled([1], () => 1) }), /is a mask\/patch input added by instrumentation/);
  // The session is still usable after the errors.
  const ok = await model.run(copyFeeds(inputs));
  assertClose(ok.outputs.logits, reference.logits, 'logits after errors');
});
