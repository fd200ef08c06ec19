import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parquetReadObjects } from 'hyparquet';
import { record } from '../../src/record/recorder.js';
import { readNpy } from '../../src/store/npy.js';
import { decodeImage } from '../../src/images/index.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { NeurolensError } from '../../src/errors.js';
import type { RunManifest } from '../../src/record/types.js';
import { tinyResNet, tinyVit, writeExternalDataModel } from '../fixtures/tiny-models.js';
import { makeWorkspace, snapshotFiles } from './helpers.js';

const isError = (pattern: RegExp) => (e: unknown) => e instanceof NeurolensError && pattern.test(e.message) && !e.message.includes('\n');

/** Runs the unmodified model with the given tensors as extra outputs (the reference for taps). */
async function reference(modelBytes: Uint8Array, tensors: string[], input: Float32Array, n: number): Promise<ort.InferenceSession.OnnxValueMapType> {
  const { decodeModel } = await import('../../src/onnx/codec.js');
  const model = decodeModel(modelBytes);
  for (const name of tensors) model.graph!.output!.push({ name });
  const session = await ort.InferenceSession.create(encodeModel(model), { logSeverityLevel: 3 });
  const result = await session.run({ input: new ort.Tensor('float32', input, [n, 3, 16, 16]) });
  await session.release();
  return result;
}

test('record stores pooled activations, logits, table, skipped files and statistics that match the model', async () => {
  const ws = await makeWorkspace(tinyResNet(), 24);
  const out = join(ws.dir, 'run');
  const warnings: string[] = [];
  const result = await record({ model: ws.model, images: ws.images, out, batch: 5, chunkSize: 7 }, { onWarning: (w) => warnings.push(w) });
  assert.equal(result.status, 'complete');
  assert.equal(result.images, 24);
  assert.equal(result.skipped, 2);
  assert.equal(warnings.length, 2);
  assert.ok(warnings.every((w) => /^skipped (broken\.jpg|empty\.png): /.test(w)), warnings.join(' | '));

  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as RunManifest;
  assert.deepEqual(manifest.layers.map((l) => l.id), ['layer1.0', 'layer2.0']);
  assert.deepEqual(manifest.poolings, ['mean', 'max', 'top10']);
  assert.equal(manifest.images.count, 24);
  const skipped = readFileSync(join(out, 'skipped.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { path: string; reason: string });
  assert.deepEqual(skipped.map((s) => s.path), ['broken.jpg', 'empty.png']);
  assert.ok(skipped.every((s) => s.reason.length > 0));

  // The images table lists the decoded images in listing order with top-5 predictions.
  const bytes = readFileSync(join(out, 'images.parquet'));
  const rows = (await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer })) as Record<string, unknown>[];
  assert.equal(rows.length, 24);
  assert.equal(rows[0]!.path, 'img0001.png');
  assert.ok(rows.some((r) => String(r.path).startsWith('nested/')));
  assert.deepEqual(rows.map((r) => r.index), Array.from({ length: 24 }, (_, i) => i));

  // Activations and logits equal the unmodified model on the same preprocessed images.
  const layer = manifest.layers[1]!;
  const mean = await readNpy(join(out, 'activations', 'layer2.0.mean.npy'));
  const max = await readNpy(join(out, 'activations', 'layer2.0.max.npy'));
  const logits = await readNpy(join(out, 'logits.npy'));
  assert.deepEqual(mean.shape, [24, 16]);
  assert.deepEqual(logits.shape, [24, 5]);
  const picks = [0, 7, 23];
  const input = new Float32Array(picks.length * 3 * 16 * 16);
  for (const [i, row] of picks.entries()) {
    const decoded = await decodeImage(join(ws.images, String(rows[row]!.path)), manifest.preprocessing);
    input.set(decoded.data, i * 3 * 16 * 16);
  }
  const ref = await reference(readFileSync(ws.model), [layer.tensor], input, picks.length);
  const map = ref[layer.tensor]!.data as Float32Array;
  const refLogits = ref.logits!.data as Float32Array;
  for (const [i, row] of picks.entries()) {
    for (let c = 0; c < 16; c++) {
      const values = Array.from(map.subarray((i * 16 + c) * 16, (i * 16 + c + 1) * 16));
      const expectedMean = values.reduce((a, b) => a + b, 0) / values.length;
      assert.ok(Math.abs((mean.data as Float32Array)[row * 16 + c]! - expectedMean) < 1e-5, `mean row ${row} channel ${c}`);
      assert.ok(Math.abs((max.data as Float32Array)[row * 16 + c]! - Math.max(...values)) < 1e-5, `max row ${row} channel ${c}`);
    }
    for (let k = 0; k < 5; k++) assert.ok(Math.abs((logits.data as Float32Array)[row * 5 + k]! - refLogits[i * 5 + k]!) < 1e-4);
    const top1 = (rows[row]!.top5_classes as number[])[0];
    const rowLogits = Array.from((logits.data as Float32Array).subarray(row * 5, row * 5 + 5));
    assert.equal(top1, rowLogits.indexOf(Math.max(...rowLogits)));
  }

  // Summaries: shapes, and the top image of each neuron is the argmax of its column.
  const stats = await readNpy(join(out, 'stats', 'layer2.0.mean.stats.npy'));
  const topk = await readNpy(join(out, 'stats', 'layer2.0.mean.topk.npy'));
  assert.deepEqual(stats.shape, [16, 7]);
  assert.deepEqual(topk.shape, [16, 24]);
  for (let c = 0; c < 16; c++) {
    const column = Array.from({ length: 24 }, (_, r) => (mean.data as Float32Array)[r * 16 + c]!);
    assert.equal((topk.data as Int32Array)[c * 24], column.indexOf(Math.max(...column)));
    const avg = column.reduce((a, b) => a + b, 0) / 24;
    assert.ok(Math.abs((stats.data as Float32Array)[c * 7]! - avg) < 1e-5);
  }

  // A second identical call is a no-op that leaves every file untouched.
  const before = statSync(join(out, 'manifest.json')).mtimeMs;
  const again = await record({ model: ws.model, images: ws.images, out, batch: 5, chunkSize: 7 });
  assert.equal(again.status, 'unchanged');
  assert.equal(statSync(join(out, 'manifest.json')).mtimeMs, before);
});

test('an existing run with another model, image set or folder content is refused, never overwritten', async () => {
  const ws = await makeWorkspace(tinyResNet(), 6, { broken: false });
  const out = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out });
  const otherModel = join(ws.dir, 'other.onnx');
  writeFileSync(otherModel, encodeModel(tinyResNet(99)));
  await assert.rejects(record({ model: otherModel, images: ws.images, out }), isError(/already holds a recording with a different model/));
  await assert.rejects(record({ model: ws.model, images: ws.images, out, limit: 3 }), isError(/with different images; /));
  await assert.rejects(record({ model: ws.model, images: ws.images, out, poolings: ['mean'] }), isError(/different poolings/));
  const foreign = join(ws.dir, 'foreign');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'notes.txt'), 'mine');
  await assert.rejects(record({ model: ws.model, images: ws.images, out: foreign }), isError(/is not a neurolens run/));
  assert.equal(readFileSync(join(foreign, 'notes.txt'), 'utf8'), 'mine');
});

test('bad layer ids and empty image sets give one-line errors', async () => {
  const ws = await makeWorkspace(tinyResNet(), 2, { broken: false });
  await assert.rejects(record({ model: ws.model, images: ws.images, out: join(ws.dir, 'a'), layers: ['layer9.9'] }), isError(/unknown layer 'layer9\.9'.*neurolens inspect/));
  const empty = join(ws.dir, 'empty');
  mkdirSync(empty);
  await assert.rejects(record({ model: ws.model, images: empty, out: join(ws.dir, 'b') }), (e: unknown) => e instanceof NeurolensError);
  const onlyBroken = join(ws.dir, 'broken');
  mkdirSync(onlyBroken);
  writeFileSync(join(onlyBroken, 'x.png'), 'nope');
  await assert.rejects(record({ model: ws.model, images: onlyBroken, out: join(ws.dir, 'c') }), isError(/none of the 1 image/));
});

test('ViT token layers are recorded per hidden unit, pooling over all tokens', async () => {
  const ws = await makeWorkspace(tinyVit(), 5, { broken: false });
  const out = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out, batch: 2 });
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as RunManifest;
  assert.equal(manifest.layers.length, 2);
  for (const layer of manifest.layers) {
    assert.equal(layer.kind, 'tokens');
    assert.equal(layer.channels, 16);
    const top10 = await readNpy(join(out, 'activations', `${layer.id.replace(/[^A-Za-z0-9._-]/g, '_')}.top10.npy`));
    const max = await readNpy(join(out, 'activations', `${layer.id.replace(/[^A-Za-z0-9._-]/g, '_')}.max.npy`));
    assert.deepEqual(top10.shape, [5, 16]);
    // 17 tokens → top10 averages ⌊1.7⌋ = 1 position, i.e. the max.
    assert.deepEqual(Array.from(top10.data as Float32Array), Array.from(max.data as Float32Array));
  }
});

test('record is deterministic: two runs give byte-identical artefacts', async () => {
  process.env.SOURCE_DATE_EPOCH = '1700000000';
  try {
    const ws = await makeWorkspace(tinyResNet(), 12);
    await record({ model: ws.model, images: ws.images, out: join(ws.dir, 'a'), chunkSize: 5, batch: 3 });
    await record({ model: ws.model, images: ws.images, out: join(ws.dir, 'b'), chunkSize: 5, batch: 3 });
    const a = snapshotFiles(join(ws.dir, 'a'));
    const b = snapshotFiles(join(ws.dir, 'b'));
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
    for (const [name, bytes] of a) assert.ok(bytes.equals(b.get(name)!), `${name} differs`);
  } finally {
    delete process.env.SOURCE_DATE_EPOCH;
  }
});

test('mean and max pooled inside the graph are the bytes the JavaScript pooling writes', async () => {
  // Without top10 the recorder reduces in the graph; with it, it taps whole maps and pools in JS.
  for (const model of [tinyResNet(), tinyVit()]) {
    const ws = await makeWorkspace(model, 7, { broken: false });
    await record({ model: ws.model, images: ws.images, out: join(ws.dir, 'graph'), poolings: ['mean', 'max'], batch: 3 });
    await record({ model: ws.model, images: ws.images, out: join(ws.dir, 'js'), poolings: ['mean', 'max', 'top10'], batch: 3 });
    const graph = snapshotFiles(join(ws.dir, 'graph', 'activations'));
    const js = snapshotFiles(join(ws.dir, 'js', 'activations'));
    assert.ok(graph.size >= 4, 'both poolings of at least two layers');
    for (const [name, bytes] of graph) assert.ok(bytes.equals(js.get(name)!), `${name} differs between the graph and JS pooling`);
  }
});

test('a model with external weights records what the same model with inline weights records', async () => {
  const ws = await makeWorkspace(tinyResNet(), 5, { broken: false });
  const external = writeExternalDataModel(tinyResNet(), mkdtempSync(join(ws.dir, 'ext-')));
  await record({ model: ws.model, images: ws.images, out: join(ws.dir, 'inline'), poolings: ['mean'], batch: 2 });
  await record({ model: external, images: ws.images, out: join(ws.dir, 'external'), poolings: ['mean'], batch: 2 });
  const inline = snapshotFiles(join(ws.dir, 'inline', 'activations'));
  const fromExternal = snapshotFiles(join(ws.dir, 'external', 'activations'));
  assert.deepEqual([...fromExternal.keys()].sort(), [...inline.keys()].sort());
  for (const [name, bytes] of inline) assert.ok(bytes.equals(fromExternal.get(name)!), `${name} differs`);
});
