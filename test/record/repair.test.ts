import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { record } from '../../src/record/recorder.js';
import { readNpy } from '../../src/store/npy.js';
import { encodeModel } from '../../src/onnx/codec.js';
import { NeurolensError } from '../../src/errors.js';
import type { RunManifest } from '../../src/record/types.js';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { makeWorkspace, snapshotFiles } from './helpers.js';

const isError = (pattern: RegExp) => (e: unknown) => e instanceof NeurolensError && pattern.test(e.message) && !e.message.includes('\n');

function assertSameFiles(expected: Map<string, Buffer>, root: string): void {
  const actual = snapshotFiles(root);
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [name, bytes] of expected) assert.ok(bytes.equals(actual.get(name)!), `${name} differs after the rebuild`);
}

const manifestOf = (out: string) => JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as RunManifest;

test('record on a finished run rebuilds a missing or truncated artefact byte for byte, and is a no-op when intact', { timeout: 120_000 }, async () => {
  const ws = await makeWorkspace(tinyResNet(), 20);
  const out = join(ws.dir, 'run');
  const options = { model: ws.model, images: ws.images, out, batch: 4, chunkSize: 8 };
  await record(options);
  const original = snapshotFiles(out);

  // Derived summaries: recomputed from the activations, without re-reading the images.
  unlinkSync(join(out, 'stats', 'layer2.0.max.stats.npy'));
  truncateSync(join(out, 'stats', 'layer1.0.mean.topk.npy'), 100);
  const warnings: string[] = [];
  const derived = await record(options, { onWarning: (w) => warnings.push(w) });
  assert.equal(derived.status, 'repaired');
  assert.equal(derived.recordedNow, 0);
  assert.deepEqual(derived.rebuilt, ['stats/layer1.0.mean.topk.npy', 'stats/layer2.0.max.stats.npy']);
  assert.deepEqual(warnings, ['stats/layer1.0.mean.topk.npy is damaged (truncated); rebuilding it', 'stats/layer2.0.max.stats.npy is damaged (missing); rebuilding it']);
  assertSameFiles(original, out);

  // Recorded matrices and tables: the images are recorded again.
  truncateSync(join(out, 'activations', 'layer1.0.top10.npy'), 200);
  unlinkSync(join(out, 'images.parquet'));
  writeFileSync(join(out, 'skipped.jsonl'), '{"path":');
  const primary = await record(options);
  assert.equal(primary.status, 'repaired');
  assert.deepEqual(primary.rebuilt, ['activations/layer1.0.top10.npy', 'images.parquet', 'skipped.jsonl']);
  assert.equal(primary.recordedNow, 20);
  assertSameFiles(original, out);

  // A header that disagrees with the manifest (a file swapped for another) is damage too.
  writeFileSync(join(out, 'logits.npy'), readFileSync(join(out, 'stats', 'layer1.0.mean.stats.npy')));
  assert.deepEqual((await record(options)).rebuilt, ['logits.npy']);
  assertSameFiles(original, out);

  const again = await record(options);
  assert.deepEqual([again.status, again.rebuilt], ['unchanged', []]);
  assertSameFiles(original, out);
});

test('a damaged manifest.json is one line naming it and a fix that works', async () => {
  const ws = await makeWorkspace(tinyResNet(), 3, { broken: false });
  const out = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out });
  writeFileSync(join(out, 'manifest.json'), '{"format": "neurolens-run", "formatVer');
  await assert.rejects(record({ model: ws.model, images: ws.images, out }), isError(/manifest\.json is damaged \(.*\); record the run again into a new folder with the `npx neurolens record … --out NEW` command/));
  rmSync(out, { recursive: true });
  assert.equal((await record({ model: ws.model, images: ws.images, out })).status, 'complete');
});

test('non-finite activations are counted per layer and pooling in the manifest; the summaries stay well defined', async () => {
  const model = tinyResNet();
  // +∞ in one BN bias makes channel 0 of layer1.0 infinite on every image (and NaN downstream).
  const bias = model.graph!.initializer!.find((t) => t.name === 'layer1.0.bn2.bias')!;
  const values = new Float32Array(bias.rawData!.slice().buffer);
  values[0] = Infinity;
  bias.rawData = new Uint8Array(values.buffer);
  const ws = await makeWorkspace(tinyResNet(), 6, { broken: false });
  writeFileSync(ws.model, encodeModel(model));
  const out = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out, topK: 3 });
  const manifest = manifestOf(out);
  const [layer1, layer2] = manifest.layers;
  assert.deepEqual(layer1!.nonFinite, { mean: 6, max: 6, top10: 6 });
  assert.ok(Object.values(layer2!.nonFinite!).every((n) => n > 0), JSON.stringify(layer2!.nonFinite));
  // Top-k of layer2.0 still names k distinct images, never out-of-range indices.
  const topk = await readNpy(join(out, 'stats', 'layer2.0.mean.topk.npy'));
  for (let c = 0; c < 16; c++) {
    const row = [...(topk.data as Int32Array).subarray(c * 3, c * 3 + 3)];
    assert.equal(new Set(row).size, 3);
    assert.ok(row.every((i) => i >= 0 && i < 6));
  }

  const clean = await makeWorkspace(tinyResNet(), 3, { broken: false });
  await record({ model: clean.model, images: clean.images, out: join(clean.dir, 'run') });
  for (const layer of manifestOf(join(clean.dir, 'run')).layers) assert.deepEqual(layer.nonFinite, { mean: 0, max: 0, top10: 0 });
});

test('temp files of a writer killed mid-write are removed by the next record; a live writer\'s are kept', async () => {
  const ws = await makeWorkspace(tinyResNet(), 3, { broken: false });
  const out = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out });
  const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  const stale = [join(out, 'stats', `layer1.0.mean.stats.npy.${dead}-3.tmp`), join(out, 'activations', `layer1.0.max.npy.${dead}-1.tmp`), join(out, `manifest.json.${dead}-9.tmp`)];
  const live = join(out, 'stats', `layer2.0.mean.stats.npy.${process.pid}-1.tmp`);
  for (const path of [...stale, live]) writeFileSync(path, 'partial');
  const result = await record({ model: ws.model, images: ws.images, out });
  assert.equal(result.status, 'unchanged');
  for (const path of stale) assert.ok(!existsSync(path), `${path} survived`);
  assert.ok(existsSync(live));
});

test('no decodable image: the error points at skipped.jsonl only because it was written', async () => {
  const ws = await makeWorkspace(tinyResNet(), 0);
  const out = join(ws.dir, 'run');
  await assert.rejects(record({ model: ws.model, images: ws.images, out }), isError(/none of the 2 image\(s\) .* could be decoded \(see .*run\/skipped\.jsonl for the reasons\)/));
  const lines = readFileSync(join(out, 'skipped.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { path: string; reason: string });
  assert.deepEqual(lines.map((l) => l.path), ['broken.jpg', 'empty.png']);
});

test('a broken symbolic link in the image folder is skipped with a reason and a warning', async () => {
  const ws = await makeWorkspace(tinyResNet(), 3, { broken: false });
  symlinkSync(join(ws.dir, 'gone.png'), join(ws.images, 'aaa.png'));
  mkdirSync(join(ws.images, 'empty-dir'));
  const out = join(ws.dir, 'run');
  const warnings: string[] = [];
  const result = await record({ model: ws.model, images: ws.images, out }, { onWarning: (w) => warnings.push(w) });
  assert.deepEqual([result.images, result.skipped], [3, 1]);
  assert.deepEqual(warnings, ['skipped aaa.png: aaa.png: broken symbolic link (its target does not exist or links in a loop)']);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'skipped.jsonl'), 'utf8')), { path: 'aaa.png', reason: 'aaa.png: broken symbolic link (its target does not exist or links in a loop)' });
});

test('--out naming an existing file is a usage error that leaves the file alone', async () => {
  const ws = await makeWorkspace(tinyResNet(), 2, { broken: false });
  const file = join(ws.dir, 'notes.txt');
  writeFileSync(file, 'mine');
  await assert.rejects(record({ model: ws.model, images: ws.images, out: file }), (e: unknown) => isError(/notes\.txt is a file/)(e) && (e as NeurolensError).exitCode === 2);
  await assert.rejects(record({ model: ws.model, images: ws.images, out: join(file, 'run') }), isError(/notes\.txt\/run is a file \(or inside one\)/));
  assert.equal(readFileSync(file, 'utf8'), 'mine');
});
