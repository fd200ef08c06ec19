import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NeurolensError } from '../../src/errors.js';
import { buildConcepts } from '../../src/concepts/pipeline.js';
import { runImages as readImages, runManifest } from '../run/helpers.js';
import { conceptLabels, loadLabelsFile, parseConceptsSpec } from '../../src/probes/labels.js';
import { colourRun } from '../concepts/helpers.js';

const images = ['a/1.png', 'a/2.png', 'b/1.png', 'b/2.png', 'c/1.png', 'c/2.png'].map((path) => ({ path, sha256: path }));
const dir = mkdtempSync(join(tmpdir(), 'neurolens-labels-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const oneLine = (pattern: RegExp) => (e: unknown) => e instanceof NeurolensError && pattern.test(e.message) && !e.message.includes('\n');
const rows = (y: Uint8Array) => [...y].flatMap((v, i) => (v ? [i] : []));

test('labels: CSV with repeated rows and ;-separated concepts, multi-label', async () => {
  const file = write('multi.csv', 'path,concept\na/1.png,red\n./a/2.png,red;round\nb/1.png,round\nb/2.png,round\nc/1.png,red\nmissing.png,red\n');
  const labels = await loadLabelsFile(file, images);
  assert.deepEqual(labels.names, ['red', 'round']);
  assert.deepEqual(rows(labels.Y[0]!), [0, 1, 4]);
  assert.deepEqual(rows(labels.Y[1]!), [1, 2, 3]);
  assert.equal(labels.exclusive, false);
  assert.equal(labels.warnings.length, 1);
  assert.match(labels.warnings[0]!, /1 path\(s\).*missing\.png/);
});

test('labels: JSONL (array or string concepts); exclusive when every image has exactly one', async () => {
  const lines = [
    { path: 'a/1.png', concepts: ['x'] }, { path: 'a/2.png', concepts: 'x' }, { path: 'b/1.png', concept: 'y' },
    { path: 'b/2.png', concepts: ['y'] }, { path: 'c/1.png', label: 'z' }, { path: 'c/2.png', concepts: ['z'] },
  ];
  const labels = await loadLabelsFile(write('excl.jsonl', lines.map((l) => JSON.stringify(l)).join('\n') + '\n\n'), images);
  assert.deepEqual(labels.names, ['x', 'y', 'z']);
  assert.equal(labels.exclusive, true);
  assert.deepEqual(labels.Y.map(rows), [[0, 1], [2, 3], [4, 5]]);
  assert.deepEqual(labels.source, { kind: 'file', file: join(dir, 'excl.jsonl') });
});

test('labels: concepts with < 2 positives or < 2 negatives are skipped with a warning', async () => {
  const file = write('skip.csv', 'path,concepts\na/1.png,rare;all\na/2.png,all;half\nb/1.png,all;half\nb/2.png,all;half\nc/1.png,all\nc/2.png,all\n');
  const labels = await loadLabelsFile(file, images);
  assert.deepEqual(labels.names, ['half']);
  assert.deepEqual(labels.skipped, [{ name: 'rare', positives: 1, negatives: 5 }, { name: 'all', positives: 6, negatives: 0 }]);
  assert.equal(labels.warnings.length, 2);
  assert.ok(labels.warnings.every((w) => /at least 2 positive and 2 negative/.test(w)));
  await assert.rejects(loadLabelsFile(write('none.csv', 'path,concept\na/1.png,rare\n'), images), oneLine(/at least 2 positive/));
});

test('labels: clear one-line errors', async () => {
  await assert.rejects(loadLabelsFile(join(dir, 'nope.csv'), images), oneLine(/does not exist/));
  await assert.rejects(loadLabelsFile(write('cols.csv', 'file,caption\na/1.png,x\n'), images), oneLine(/"path" and a "concept"/));
  await assert.rejects(loadLabelsFile(write('bad.jsonl', '{"path":"a/1.png","concepts":["x"]}\n{oops\n'), images), oneLine(/bad\.jsonl:2 is not valid JSON/));
  await assert.rejects(loadLabelsFile(write('rec.jsonl', '{"path":"a/1.png","concepts":[1]}\n'), images), oneLine(/rec\.jsonl:1 needs/));
  await assert.rejects(loadLabelsFile(write('empty.csv', 'path,concept\n'), images), oneLine(/holds no labels/));
  await assert.rejects(loadLabelsFile(write('elsewhere.csv', 'path,concept\nzzz.png,x\n'), images), oneLine(/no path in .* matches/));
  assert.throws(() => parseConceptsSpec('clusters'), oneLine(/clusters:LEVEL/));
  assert.throws(() => parseConceptsSpec('keywords:0'), oneLine(/keywords:N/));
  assert.deepEqual(parseConceptsSpec(' keywords:3 '), { kind: 'keywords', count: 3 });
  const manifest = { layers: [{ id: 'layer1.0' }] } as never;
  await assert.rejects(conceptLabels(dir, {}, manifest, images), oneLine(/--labels FILE/));
  await assert.rejects(conceptLabels(dir, { concepts: 'clusters:1' }, manifest, images), oneLine(/run `npx neurolens concepts/));
});

test('labels: clusters:LEVEL and keywords:N from a concepts run', async () => {
  const { run, captions } = await colourRun();
  const manifest = await runManifest(run);
  const runImages = await readImages(run);
  await buildConcepts({ run, captions, layers: ['layer2.0'], finchVariant: 'v0.2.2' });

  const clusters = await conceptLabels(run, { concepts: 'clusters:1' }, manifest, runImages);
  assert.equal(clusters.exclusive, true);
  assert.ok(clusters.names.length >= 3);
  assert.ok(clusters.names.every((n) => /\(L1\.\d+\)$/.test(n)), clusters.names.join(' | '));
  assert.deepEqual(clusters.source, { kind: 'clusters', level: 1, file: 'concepts/layer2.0.json' });
  // Level-1 clusters never mix colour families (eight consecutive images each).
  for (const y of clusters.Y) assert.equal(new Set(rows(y).map((i) => Math.floor(i / 8))).size, 1);
  await assert.rejects(conceptLabels(run, { concepts: 'clusters:99' }, manifest, runImages), oneLine(/clusters:99.*level\(s\) 1/));

  const keywords = await conceptLabels(run, { concepts: 'keywords:4' }, manifest, runImages);
  // "square" is in every caption (no negatives: skipped); then bright/dark (12 each), then colour words (8).
  assert.equal(keywords.exclusive, false);
  assert.deepEqual(keywords.skipped.map((s) => s.name), ['square']);
  assert.deepEqual(keywords.names, ['bright', 'dark', 'apple']);
  assert.deepEqual(rows(keywords.Y[2]!), runImages.flatMap((r, i) => (r.path.startsWith('red/') ? [i] : [])));
  assert.equal(keywords.source.kind, 'keywords');

  // With the captions file gone and no caption cache (captions came from a file), a clear error.
  renameSync(captions, `${captions}.moved`);
  await assert.rejects(conceptLabels(run, { concepts: 'keywords:2' }, manifest, runImages), oneLine(/cannot find the captions/));
});
