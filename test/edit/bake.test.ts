import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { editModel, EDIT_METADATA_KEY, scaleDims } from '../../src/edit/index.js';
import { decodeModel, encodeModel } from '../../src/onnx/codec.js';
import { InstrumentedModel } from '../../src/runtime/instrumented.js';
import { ModelSession } from '../../src/runtime/session.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { randomImages, tinyResNet, tinyVit, writeExternalDataModel, writeTempModel } from '../fixtures/tiny-models.js';

const BATCH = 3;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** The model's logits with `tensor` scaled by `mask` through the runtime's intervention. */
async function intervened(model: ModelProto, tensor: string, mask: Float32Array, dims: number[]): Promise<Float32Array> {
  const im = await InstrumentedModel.create(model, { interventions: [tensor] }, { threads: 1 });
  try {
    const { outputs } = await im.run({ input: { data: randomImages(BATCH), dims: [BATCH, 3, 16, 16] } }, { taps: [], interventions: { [tensor]: { mask: { data: mask, dims } } } });
    return outputs.logits!.data as Float32Array;
  } finally {
    await im.close();
  }
}

/** A model's logits and the value of `tensor` on the seeded batch. */
async function tapped(model: ModelProto, tensor: string): Promise<{ logits: Float32Array; value: Float32Array; dims: number[] }> {
  const im = await InstrumentedModel.create(model, { taps: [tensor] }, { threads: 1 });
  try {
    const { outputs, taps } = await im.run({ input: { data: randomImages(BATCH), dims: [BATCH, 3, 16, 16] } });
    return { logits: outputs.logits!.data as Float32Array, value: taps[tensor]!.data as Float32Array, dims: taps[tensor]!.dims };
  } finally {
    await im.close();
  }
}

const cases = [
  { name: 'CNN feature layer', model: tinyResNet, layer: 'layer1.0', tensor: '/layer1/layer1.0/relu_1/Relu_output_0', kind: 'feature' as const, channels: 8, edited: [1, 3, 6] },
  { name: 'ViT token layer', model: tinyVit, layer: 'blocks.0.mlp.act', tensor: '/blocks/blocks.0/mlp/act/Mul_1_output_0', kind: 'tokens' as const, channels: 16, edited: [0, 5, 15] },
];

for (const c of cases) {
  for (const scale of [0, 2]) {
    test(`${c.name}: the edited model equals the intervention (scale ${scale}); other neurons untouched`, async () => {
      const source = c.model();
      const path = writeTempModel(source, 'source');
      const out = join(dirname(path), `edited-${scale}.onnx`);
      // Channels given out of order, one twice, and once by tensor name: each is edited once.
      const ablate = [...c.edited].reverse().map((ch) => `${c.layer}:${ch}`).concat(`${c.tensor}:${c.edited[0]}`).join(',');
      const result = await editModel({ model: path, ablate, scale, out, threads: 1 });
      assert.equal(result.neurons, c.edited.length);
      assert.deepEqual(result.layers.map((l) => [l.id, l.edited]), [[c.layer, c.edited]]);
      const maskDims = c.kind === 'tokens' ? [1, 1, c.channels] : [1, c.channels, 1, 1];
      assert.deepEqual(result.layers[0]!.maskDims, maskDims);

      const edited = decodeModel(readFileSync(out));
      // Standalone: it takes exactly the original inputs, and every node input is defined.
      assert.deepEqual(edited.graph!.input!.map((v) => v.name), source.graph!.input!.map((v) => v.name));
      const defined = new Set([...edited.graph!.input!.map((v) => v.name), ...edited.graph!.initializer!.map((t) => t.name)]);
      for (const node of edited.graph!.node!) {
        for (const name of node.input ?? []) if (name !== '') assert.ok(defined.has(name), `${node.name} reads undefined ${name}`);
        for (const name of node.output ?? []) defined.add(name);
      }
      assert.equal(edited.graph!.node!.length, source.graph!.node!.length + 1);
      assert.deepEqual(edited.opsetImport!.map((o) => Number(o.version)), [17]);
      const entry = edited.metadataProps!.find((p) => p.key === EDIT_METADATA_KEY);
      assert.ok(entry);
      const note = JSON.parse(entry.value!) as { scale: number; source: { sha256: string }; neurons: { layer: string; channels: number[] }[] };
      assert.equal(note.scale, scale);
      assert.equal(note.source.sha256, result.sourceSha256);
      assert.deepEqual(note.neurons.map((n) => [n.layer, n.channels]), [[c.layer, c.edited]]);

      const mask = new Float32Array(c.channels).fill(1);
      for (const ch of c.edited) mask[ch] = scale;
      const expected = await intervened(source, c.tensor, mask, maskDims);
      const session = await ModelSession.create(readFileSync(out), { threads: 1 });
      const got = (await session.run({ input: { data: randomImages(BATCH), dims: [BATCH, 3, 16, 16] } })).logits!.data as Float32Array;
      await session.close();
      assert.ok(maxAbsDiff(got, expected) <= 1e-6, `max diff ${maxAbsDiff(got, expected)}`);

      // The layer itself: edited channels scaled, the others exactly as before.
      const before = await tapped(source, c.tensor);
      const after = await tapped(edited, c.tensor);
      assert.deepEqual(after.dims, before.dims);
      const axis = c.kind === 'tokens' ? before.dims.length - 1 : 1;
      const inner = before.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
      for (let i = 0; i < before.value.length; i++) {
        const ch = Math.floor(i / inner) % c.channels;
        const want = c.edited.includes(ch) ? before.value[i]! * scale : before.value[i]!;
        assert.ok(Math.abs(after.value[i]! - want) <= 1e-6, `element ${i} channel ${ch}: ${after.value[i]} vs ${want}`);
      }
      if (scale === 0) assert.ok(maxAbsDiff(after.logits, before.logits) > 1e-4, 'zeroing the neurons should move the logits');
    });
  }
}

test('vector layers: a pooled [N,C,1,1] and a graph output [N,D] get masks of their own rank', async () => {
  const source = tinyResNet();
  const path = writeTempModel(source, 'vec');
  const out = join(dirname(path), 'vec-edited.onnx');
  const result = await editModel({ model: path, ablate: 'avgpool:2,fc:4', scale: 0, out, threads: 1 });
  assert.deepEqual(result.layers.map((l) => [l.id, l.maskDims]), [['avgpool', [1, 16, 1, 1]], ['fc', [1, 5]]]);
  const edited = decodeModel(readFileSync(out));
  assert.deepEqual(edited.graph!.output!.map((o) => o.name), ['logits']);
  const session = await ModelSession.create(readFileSync(out), { threads: 1 });
  const logits = (await session.run({ input: { data: randomImages(BATCH), dims: [BATCH, 3, 16, 16] } })).logits!.data as Float32Array;
  await session.close();
  for (let n = 0; n < BATCH; n++) assert.ok(logits[n * 5 + 4] === 0, `logit 4 of sample ${n} is zeroed`);
  const pooledMask = new Float32Array(16).fill(1);
  pooledMask[2] = 0;
  const expected = await intervened(source, '/avgpool/GlobalAveragePool_output_0', pooledMask, [1, 16, 1, 1]);
  for (let n = 0; n < BATCH; n++) for (let k = 0; k < 4; k++) assert.ok(Math.abs(logits[n * 5 + k]! - expected[n * 5 + k]!) <= 1e-6);
});

test('the model card is copied with an edit note; the same edit twice gives identical bytes; re-editing keeps both records', async () => {
  const path = writeTempModel(tinyResNet(), 'carded');
  const dir = dirname(path);
  writeFileSync(join(dir, 'carded.json'), JSON.stringify({ name: 'tiny', classNames: ['a', 'b', 'c', 'd', 'e'], mean: [0.5, 0.5, 0.5], custom: { keep: true } }));
  const first = await editModel({ model: path, ablate: 'layer2.0:3', out: join(dir, 'one.onnx'), threads: 1 });
  const again = await editModel({ model: path, ablate: 'layer2.0:3', out: join(dir, 'two.onnx'), threads: 1 });
  assert.equal(first.sha256, again.sha256);
  assert.deepEqual(readFileSync(join(dir, 'one.onnx')), readFileSync(join(dir, 'two.onnx')));
  const card = JSON.parse(readFileSync(join(dir, 'one.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(card.name, 'tiny');
  assert.deepEqual(card.mean, [0.5, 0.5, 0.5]);
  assert.deepEqual(card.custom, { keep: true });
  assert.deepEqual(card.edit, { source: { file: 'carded.onnx', sha256: first.sourceSha256 }, scale: 0, neurons: [{ layer: 'layer2.0', tensor: '/layer2/layer2.0/relu_1/Relu_output_0', channels: [3] }] });

  // Editing the edited model again, at the same layer: a second metadata entry, the card keeps the history.
  const twice = await editModel({ model: join(dir, 'one.onnx'), ablate: 'layer2.0:4', scale: 0.5, out: join(dir, 'three.onnx'), threads: 1 });
  const model = decodeModel(readFileSync(twice.out));
  assert.deepEqual(model.metadataProps!.map((p) => p.key), [EDIT_METADATA_KEY, `${EDIT_METADATA_KEY}.2`]);
  const names = model.graph!.node!.map((n) => n.name);
  assert.equal(new Set(names).size, names.length, 'node names stay unique');
  const card3 = JSON.parse(readFileSync(join(dir, 'three.json'), 'utf8')) as { edit: { scale: number; previous: { scale: number } } };
  assert.equal(card3.edit.scale, 0.5);
  assert.equal(card3.edit.previous.scale, 0);
  // No card next to the source: the edited model still gets one, holding just the note.
  const bare = writeTempModel(tinyVit(), 'bare');
  const r = await editModel({ model: bare, ablate: 'blocks.1.mlp.act:2', out: join(dirname(bare), 'bare-edited.onnx'), threads: 1 });
  assert.ok(existsSync(r.card));
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(r.card, 'utf8')) as object), ['edit']);
});

test('scaleDims puts the channels on the right axis for each kind and rank', () => {
  assert.deepEqual(scaleDims('feature', 8, 4), [1, 8, 1, 1]);
  assert.deepEqual(scaleDims('tokens', 16, 3), [1, 1, 16]);
  assert.deepEqual(scaleDims('vector', 5, 2), [1, 5]);
  assert.deepEqual(scaleDims('vector', 5, 4), [1, 5, 1, 1]);
});

test('an encoded model round-trips through bake unchanged apart from the edit', async () => {
  const source = tinyResNet();
  const path = writeTempModel(source, 'round');
  const result = await editModel({ model: path, ablate: 'relu:0', scale: 1, out: join(dirname(path), 'round-edited.onnx'), threads: 1 });
  const edited = decodeModel(readFileSync(result.out));
  const initNames = new Set(source.graph!.initializer!.map((t) => t.name));
  const added = edited.graph!.initializer!.filter((t) => !initNames.has(t.name));
  assert.equal(added.length, 1);
  assert.deepEqual(added[0]!.dims!.map(Number), [1, 8, 1, 1]);
  assert.ok(encodeModel(edited).byteLength > 0);
});

test('a model with external weights is edited into one self-contained file', async () => {
  const source = tinyResNet();
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-bake-'));
  const path = writeExternalDataModel(source, dir);
  const result = await editModel({ model: path, ablate: 'layer1.0:2', out: join(dir, 'sub', 'inlined.onnx'), threads: 1 });
  const edited = decodeModel(readFileSync(result.out));
  assert.ok(edited.graph!.initializer!.every((t) => t.dataLocation !== 1 && (t.rawData?.byteLength ?? 0) > 0));
  const mask = new Float32Array(8).fill(1);
  mask[2] = 0;
  const expected = await intervened(source, '/layer1/layer1.0/relu_1/Relu_output_0', mask, [1, 8, 1, 1]);
  const session = await ModelSession.create(readFileSync(result.out), { threads: 1 });
  const got = (await session.run({ input: { data: randomImages(BATCH), dims: [BATCH, 3, 16, 16] } })).logits!.data as Float32Array;
  await session.close();
  assert.ok(maxAbsDiff(got, expected) <= 1e-6);
});
