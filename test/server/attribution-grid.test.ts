// The attribution page's data: the map grid (original run image by sha256, target, overlay, the
// map's value range for the colour bar) and the sanity-check verdicts, on an attribution folder
// written into a recorded run in the formats `attribute` and `attribute eval` write.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeNpy } from '../../src/store/npy.js';
import type { AttributionListResponse, AttributionResponse } from '../../src/server/api.js';
import { handleApi } from '../../src/server/router.js';
import { RunIndex } from '../../src/server/run-index.js';
import { familyRun } from '../probes/helpers.js';

let run: RunIndex;
const json = (path: string, value: unknown) => writeFileSync(path, JSON.stringify(value));
const stat = (mean: number) => ({ mean, std: 0.05, n: 3 });
/** Cascade steps whose map Spearman falls from `first` to `last` (|map| follows at +0.1). */
const cascade = (first: number, last: number) =>
  [1, 2, 4].map((step, i) => {
    const s = first + ((last - first) * i) / 2;
    return { step, layers: ['a', 'b', 'c', 'd'].slice(0, step), spearman: stat(s), spearmanAbs: stat(s + 0.1), pearsonAbs: stat(s) };
  });

before(async () => {
  const { run: dir } = await familyRun();
  run = await RunIndex.open(dir);
  const images = await run.images();
  const folder = join(dir, 'attribution', 'demo');
  mkdirSync(join(folder, 'sanity'), { recursive: true });
  const entries = [];
  for (const [i, row] of images.slice(0, 2).entries()) {
    for (const method of ['cam', 'occlusion']) {
      const name = `img${i}`;
      const map = Float32Array.from({ length: 4 * 6 }, (_, p) => (p - 3) * (method === 'cam' ? 0.5 : 2) + i);
      await writeNpy(join(folder, `${name}.${method}.npy`), map, [4, 6]);
      writeFileSync(join(folder, `${name}.${method}.png`), await sharp({ create: { width: 12, height: 8, channels: 3, background: { r: 9, g: 9, b: 9 } } }).png().toBuffer());
      entries.push({ name, path: `../../${row.path}`, sha256: row.sha256, method, target: { spec: 'pred', description: `predicted class ${i} (c${i})`, cls: i }, options: {}, passes: 1, files: { npy: `${name}.${method}.npy`, png: `${name}.${method}.png` } });
    }
  }
  // A third image the run did not record.
  entries.push({ name: 'stranger', path: 'elsewhere/x.png', sha256: '0'.repeat(64), method: 'cam', target: { spec: 'pred', description: 'predicted class 2 (c2)', cls: 2 }, options: {}, passes: 1, files: { npy: 'missing.npy', png: 'missing.png' } });
  json(join(folder, 'attribution.json'), { format: 'neurolens-attribution', formatVersion: 1, protocol: {}, entries, skipped: [] });
  json(join(folder, 'eval.json'), { format: 'neurolens-attribution-eval', formatVersion: 1, protocol: {}, methods: ['cam', 'occlusion'], images: [{}, {}], aggregate: { cam: { auc: {}, rawAuc: {}, meanCurves: {}, checks: { lessFaithfulThanRandom: false } }, occlusion: { auc: {}, rawAuc: {}, meanCurves: {}, sanity: cascade(0.9, 0.8), checks: { lessFaithfulThanRandom: true, reason: 'MoRF AUC 0.5 is not below the random map\'s 0.3' } } } });
  json(join(folder, 'sanity', 'eval.json'), { format: 'neurolens-attribution-eval', formatVersion: 1, protocol: {}, methods: ['cam'], images: [{}, {}, {}], aggregate: { cam: { auc: {}, rawAuc: {}, meanCurves: {}, sanity: cascade(0.7, 0.05) } } });
});

test('attribution grid: the original by sha256, the target, each overlay with its map range and shape', async () => {
  const a = (await handleApi(run, '/api/attribution/demo')) as AttributionResponse;
  const images = await run.images();
  assert.deepEqual(a.grid.map((r) => [r.name, r.index, r.target]), [
    ['img0', images[0]!.index, 'predicted class 0 (c0)'],
    ['img1', images[1]!.index, 'predicted class 1 (c1)'],
    ['stranger', null, 'predicted class 2 (c2)'],
  ]);
  assert.equal(a.grid[0]!.image, images[0]!.path);
  // img1's cam map: (p − 3)·0.5 + 1 over p = 0…23.
  assert.deepEqual(a.grid[1]!.cells.cam, { png: 'attribution/demo/img1.cam.png', min: -0.5, max: 11, height: 4, width: 6 });
  assert.deepEqual(a.grid[0]!.cells.occlusion, { png: 'attribution/demo/img0.occlusion.png', min: -6, max: 40, height: 4, width: 6 });
  // Files the folder does not hold are never named.
  assert.deepEqual(a.grid[2]!.cells.cam, { png: null, min: null, max: null, height: null, width: null });
});

test('attribution list: which methods the eval checked and which it flags as less faithful than random', async () => {
  const list = (await handleApi(run, '/api/attribution')) as AttributionListResponse;
  assert.deepEqual(list.runs.map((r) => [r.name, r.checked, r.lessFaithful]), [['demo', ['cam', 'occlusion'], ['occlusion']]]);
});

test('attribution sanity: every cascade of the folder and its subfolders, with its verdict', async () => {
  const a = (await handleApi(run, '/api/attribution/demo')) as AttributionResponse;
  assert.deepEqual(a.sanity.map((s) => [s.source, s.method, s.images, s.steps.map((x) => x.layers)]), [
    ['attribution/demo/eval.json', 'occlusion', 2, [1, 2, 4]],
    ['attribution/demo/sanity/eval.json', 'cam', 3, [1, 2, 4]],
  ]);
  const [stays, falls] = a.sanity;
  assert.equal(stays!.check.passed, false);
  assert.match(stays!.check.reason, /still 0\.800 \(\|map\| 0\.900\), not below 0\.500/);
  assert.equal(falls!.check.passed, true);
  assert.ok(Math.abs(falls!.check.last - 0.05) < 1e-12);
  assert.equal(falls!.check.first, 0.7);
  assert.match(falls!.check.reason, /4 layer\(s\) re-initialised .* 0\.050 .* below 0\.500/);
});

test('attribution grid: a rewritten map shows its new range (ranges are cached by size and mtime)', async () => {
  const file = join(run.dir, 'attribution', 'demo', 'img0.cam.npy');
  await writeNpy(file, Float32Array.from({ length: 24 }, (_, p) => p - 100), [4, 6]);
  const later = new Date(Date.now() + 5_000);
  utimesSync(file, later, later);
  const a = (await handleApi(run, '/api/attribution/demo')) as AttributionResponse;
  assert.deepEqual([a.grid[0]!.cells.cam!.min, a.grid[0]!.cells.cam!.max], [-100, -77]);
});
