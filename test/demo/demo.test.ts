import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from '../../src/store/npy.js';
import type { RunManifest } from '../../src/record/types.js';
import type { ConceptLayer } from '../../src/concepts/types.js';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

test('demo --quick runs end to end on the shipped models and writes every artefact', { timeout: 300_000 }, async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'neurolens-demo-')), 'demo');
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'demo', '--quick', '--out', out], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const seconds = (Date.now() - started) / 1000;
  assert.match(result.stdout, /neurolens demo \(quick\): 300 emoji images/);
  assert.match(result.stdout, /caption clusters, level 1 \(\d+ clusters\) vs emoji subcategory: ARI -?\d\.\d{3}, purity \d\.\d{3}/);

  const labels = readFileSync(join(out, 'quick', 'labels.csv'), 'utf8').trim().split('\n');
  assert.equal(labels.length, 301);
  assert.equal(labels[0], 'path,name,short_name,category,subcategory,artwork,unified');

  for (const model of ['emoji-resnet', 'emoji-vit']) {
    const run = join(out, 'quick', 'runs', model);
    const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as RunManifest;
    assert.equal(manifest.images.count, 300);
    assert.equal(manifest.images.skipped, 0);
    assert.ok(manifest.layers.length >= 4, `${model}: ${manifest.layers.length} default layers`);
    assert.deepEqual(manifest.model.classNames?.length, manifest.model.numClasses);
    const last = manifest.layers.at(-1)!;
    const acts = await readNpy(join(run, 'activations', `${last.id.replace(/[^A-Za-z0-9._-]/g, '_')}.mean.npy`));
    assert.deepEqual(acts.shape, [300, last.channels]);
    assert.ok((acts.data as Float32Array).some((v) => v !== 0));
    // The concept stage wrote one JSON per layer and a report.
    const concepts = JSON.parse(readFileSync(join(run, 'concepts', `${last.id.replace(/[^A-Za-z0-9._-]/g, '_')}.json`), 'utf8')) as ConceptLayer;
    assert.ok(concepts.clusters.length > 0);
    assert.ok(concepts.clusters.every((c) => c.caption.length > 0));
    assert.ok(existsSync(join(run, 'concepts', 'report.html')));
  }
  // A second run is resumable: the recordings are already complete.
  const again = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'demo', '--quick', '--out', out], { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /already recorded/);
  assert.ok(seconds < 300, `demo --quick took ${seconds} s`);
});
