// openRun: every check of the one run reader, each failing with one line naming the file and the fix.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { NeurolensError } from '../../src/errors.js';
import { openRun } from '../../src/run/open.js';
import { recordCommand, shellQuote } from '../../src/run/rebuild.js';
import type { RunNeeds } from '../../src/run/types.js';
import { writeNpy } from '../../src/store/npy.js';
import { buildRunFixture, copyRun, poison, readManifestJson, truncate, writeManifestJson, type RunFixture } from './fixture.js';

let fx: RunFixture;
before(async () => {
  fx = await buildRunFixture();
});

/** Asserts openRun fails with one NeurolensError line of `kind` matching every pattern. */
async function rejects(run: string, needs: RunNeeds, kind: NeurolensError['kind'], ...patterns: RegExp[]): Promise<string> {
  let message = '';
  await assert.rejects(openRun(run, needs), (e: unknown) => {
    assert.ok(e instanceof NeurolensError, String(e));
    assert.equal(e.kind, kind, e.message);
    assert.ok(!e.message.includes('\n'), e.message);
    for (const p of patterns) assert.match(e.message, p);
    message = e.message;
    return true;
  });
  return message;
}

test('openRun: a healthy run opens with layers by id or tensor name, sorted images and the record command', async () => {
  const run = await openRun(fx.run, { layers: ['layer2.0', '/layer1/layer1.0/relu_1/Relu_output_0'], poolings: ['mean', 'top10'], stats: true, logits: true, model: fx.model });
  assert.deepEqual(run.layers.map((l) => l.id), ['layer1.0', 'layer2.0']);
  assert.equal(run.images.length, 12);
  assert.deepEqual(run.images.map((r) => r.index), [...Array(12).keys()]);
  assert.equal(run.layer('/layer2/layer2.0/relu_1/Relu_output_0').id, 'layer2.0');
  assert.equal(run.pooling(), 'mean');
  assert.equal(run.pooling(undefined, ['top10', 'mean']), 'top10');
  const matrix = await run.readActivations(run.layers[1]!, 'max');
  assert.equal(matrix.length, 12 * 16);
  const reader = await run.activations(run.layers[0]!, 'mean');
  assert.equal(reader.rows, 12);
  await reader.close();
  assert.match(run.rebuild, /^npx neurolens record --model \S+model\.onnx --images \S+images --layers layer1\.0,layer2\.0,avgpool --out \S+run$/);
});

test('openRun: not a run, a missing, truncated, empty or invalid manifest, each one line naming the file', async () => {
  await rejects(join(fx.dir, 'nope'), {}, 'input', /nope is not a finished run/, /npx neurolens record/);
  await rejects(fx.model, {}, 'input', /model\.onnx is not a folder/);
  const run = copyRun(fx.run);
  truncate(join(run, 'manifest.json'));
  await rejects(run, {}, 'input', /manifest\.json is damaged \(not valid JSON/, /record the run again into a new folder with the `npx neurolens record … --out NEW` command/);
  writeFileSync(join(run, 'manifest.json'), '');
  await rejects(run, {}, 'input', /manifest\.json is damaged \(empty\)/);
  writeFileSync(join(run, 'manifest.json'), '[1, 2]');
  await rejects(run, {}, 'input', /manifest\.json is not a neurolens run manifest/);
  rmSync(join(run, 'manifest.json'));
  await rejects(run, {}, 'input', /is not a finished run \(no manifest\.json\)/);
});

test('openRun: a newer format version asks for an upgrade; a schema violation names the field', async () => {
  const run = copyRun(fx.run);
  const manifest = readManifestJson(run);
  writeManifestJson(run, { ...manifest, formatVersion: 7, neurolensVersion: '9.0.0' });
  await rejects(run, {}, 'input', /format version 7 \(written by neurolens 9\.0\.0\)/, /npm install neurolens@latest/);
  writeManifestJson(run, { ...manifest, layers: [{ ...manifest.layers[0], channels: 'eight' }, ...manifest.layers.slice(1)] });
  await rejects(run, {}, 'input', /manifest\.json: layers\[0\]\.channels must be number/);
  const { fingerprint: _dropped, ...rest } = manifest;
  writeManifestJson(run, rest);
  await rejects(run, {}, 'input', /manifest\.json: fingerprint is missing/);
  writeManifestJson(run, { ...manifest, poolings: ['median'] });
  await rejects(run, {}, 'input', /poolings\[0\] must be equal to one of the allowed values/);
});

test('openRun: unknown layers and missing poolings are refused with the recorded ones', async () => {
  await rejects(fx.run, { layers: ['layer9', 'layer2.0'] }, 'usage', /unknown layer\(s\) layer9 for --layers; this run recorded layer1\.0, layer2\.0, avgpool/);
  await rejects(fx.run, { layers: ['x'], layersOption: '--root-layer' }, 'usage', /for --root-layer/);
  await rejects(fx.run, { layers: [] }, 'usage', /--layers names no layer/);
  const run = copyRun(fx.run);
  writeManifestJson(run, { ...readManifestJson(run), poolings: ['mean', 'max'] });
  await rejects(run, { poolings: ['top10'] }, 'input', /recorded without top10 pooling \(recorded: mean, max\); re-record with --pool mean,max,top10/);
  await rejects(run, { poolings: ['top10'], poolingOption: '--pooling' }, 'usage', /choose one of those with --pooling/);
});

test('openRun: a deleted, truncated or reshaped artefact names the file and the record command that rebuilds it', async () => {
  const run = copyRun(fx.run);
  const rebuild = /re-run `npx neurolens record --model \S+ --images \S+ --layers layer1\.0,layer2\.0,avgpool --out \S+` \(the same command\); it re-verifies the run and rebuilds damaged files/;
  rmSync(join(run, 'activations', 'layer2.0.mean.npy'));
  await rejects(run, { poolings: ['mean'] }, 'input', /activations\/layer2\.0\.mean\.npy is missing from the run/, rebuild);
  await openRun(run, { poolings: ['max'] });
  truncate(join(run, 'activations', 'layer1.0.max.npy'));
  await rejects(run, { poolings: ['max'] }, 'input', /layer1\.0\.max\.npy is damaged \(truncated: expected \d+ bytes, found \d+\)/, rebuild);
  await writeNpy(join(run, 'activations', 'layer1.0.max.npy'), new Float32Array(12 * 4), [12, 4]);
  await rejects(run, { poolings: ['max'] }, 'input', /layer1\.0\.max\.npy holds <f4 \[12, 4\] but the manifest says <f4 \[12, 8\]/, rebuild);
  rmSync(join(run, 'stats', 'layer2.0.top10.topk.npy'));
  await rejects(run, { poolings: ['top10'], stats: true }, 'input', /stats\/layer2\.0\.top10\.topk\.npy is missing/);
  rmSync(join(run, 'logits.npy'));
  await rejects(run, { logits: true, activations: false }, 'input', /logits\.npy is missing/);
});

test('openRun: the images table must exist, parse and hold the manifest count', async () => {
  const run = copyRun(fx.run);
  const manifest = readManifestJson(run);
  writeManifestJson(run, { ...manifest, images: { ...manifest.images, count: 13 } });
  await rejects(run, {}, 'input', /images\.parquet holds 12 rows but the manifest says 13 images/);
  await openRun(run, { images: false, activations: false });
  writeManifestJson(run, manifest);
  truncate(join(run, 'images.parquet'));
  await rejects(run, {}, 'input', /images\.parquet is damaged/);
  rmSync(join(run, 'images.parquet'));
  await rejects(run, {}, 'input', /images\.parquet is missing from the run/);
});

test('openRun: non-finite activations are refused per layer × pooling, from the manifest count or by a scan', async () => {
  const counted = copyRun(fx.run);
  const manifest = readManifestJson(counted);
  manifest.layers[1].nonFinite = { mean: 3, max: 0, top10: 0 };
  writeManifestJson(counted, manifest);
  await rejects(counted, { poolings: ['mean'] }, 'input', /layer2\.0\.mean\.npy holds 3 non-finite \(NaN or ±Inf\) activation\(s\) of layer layer2\.0 \(mean pooling\); leave the layer out with --layers layer1\.0,avgpool/);
  await openRun(counted, { poolings: ['max'] });
  await openRun(counted, { layers: ['layer1.0'], poolings: ['mean'] });

  // A run recorded before the counts existed: the reader scans the matrix itself.
  const scanned = copyRun(fx.run);
  const older = readManifestJson(scanned);
  for (const layer of older.layers as { nonFinite?: unknown }[]) delete layer.nonFinite;
  writeManifestJson(scanned, older);
  await poison(join(scanned, 'activations', 'avgpool.top10.npy'));
  await rejects(scanned, { poolings: ['top10'] }, 'input', /avgpool\.top10\.npy holds 2 non-finite/, /--layers layer1\.0,layer2\.0/);
  const lazy = await openRun(scanned);
  await assert.rejects(lazy.readActivations(lazy.layer('avgpool'), 'top10'), /holds 2 non-finite/);
  await rejects(scanned, { poolings: 'all', layersOption: null }, 'input', /record the run again without that layer: `npx neurolens record .*--layers layer1\.0,layer2\.0 --out \S+-without-avgpool`/);
});

test('openRun: the model named by needs.model must be the recorded one', async () => {
  const copy = join(fx.dir, 'copy.onnx');
  writeFileSync(copy, 'not the same bytes');
  await rejects(fx.run, { model: copy, activations: false }, 'input', /copy\.onnx has changed since .* was recorded \(sha256 differs\)/);
  await rejects(fx.run, { model: join(fx.dir, 'gone.onnx'), activations: false }, 'input', /the run's model .*gone\.onnx is missing/);
});

test('recordCommand: quotes what a shell would split and repeats the options that shape the run', () => {
  assert.equal(shellQuote('a b'), `'a b'`);
  assert.equal(shellQuote(`it's`), `'it'\\''s'`);
  assert.equal(shellQuote('/x/y.onnx'), '/x/y.onnx');
  const manifest = readManifestJson(fx.run) as Parameters<typeof recordCommand>[0];
  const command = recordCommand({ ...manifest, poolings: ['mean'], topK: 5, images: { ...manifest.images, listed: 20, source: 'list.txt' } }, 'my run');
  assert.match(command, /--images \S+\/images\/list\.txt --layers layer1\.0,layer2\.0,avgpool --pool mean --top-k 5 --limit 12 --out 'my run'$/);
});
