// The layer grid's page endpoint: per-neuron card fields (exemplars, visualisation and its check,
// label check, best probe AUC, circuits), the new sort keys and filters, safe visualisation URLs,
// and the static export copying the visualisations it names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { NeuronResponse, NeuronsPage } from '../../src/server/api.js';
import { exportReport } from '../../src/server/export.js';
import { startServer, type ExplorerServer } from '../../src/server/server.js';
import { explorerFixture, rawRequest, type ExplorerFixture } from './helpers.js';

let fx: ExplorerFixture;
let server: ExplorerServer;

const json = (path: string, value: unknown) => writeFileSync(path, `${JSON.stringify(value)}\n`);
const evidence = { overlap: 5, topK: 8, conceptSize: 8, dataset: 24 };

before(async () => {
  fx = await explorerFixture();
  const vis = join(fx.run, 'visualize', 'layer2.0');
  mkdirSync(vis, { recursive: true });
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 9, g: 200, b: 9 } } }).png().toBuffer();
  writeFileSync(join(vis, '5.png'), png);
  writeFileSync(join(vis, '9.png'), png);
  // A link leading out of the run must never become a visualisation URL.
  const outside = mkdtempSync(join(tmpdir(), 'neurolens-outside-'));
  writeFileSync(join(outside, 'secret.png'), png);
  symlinkSync(join(outside, 'secret.png'), join(vis, '12.png'));
  const entry = (neuron: number, pass: boolean, image = `visualize/layer2.0/${neuron}.png`) => ({ neuron, image, activation: pass ? 3 : 1, best: { index: 0, path: 'red/0.png', activation: 2 }, pass });
  json(join(vis, 'visualize.json'), {
    format: 'neurolens-visualize',
    formatVersion: 1,
    layer: 'layer2.0',
    tensor: 't',
    pooling: 'mean',
    settings: {},
    // 9 names a path outside the run: the server builds paths itself. 11 has no PNG.
    neurons: [entry(5, true), entry(9, false, '../../manifest.json'), entry(11, true)],
    passed: 2,
    share: 2 / 3,
    failed: [9],
  });
  json(join(fx.run, 'neurons', 'labels.json'), {
    layers: [
      {
        id: 'layer2.0',
        neurons: [
          { channel: 5, label: 'red square', best: { name: 'red square' }, score: 0.7, q: 0.01, evidence },
          { channel: 2, label: 'Amber', best: { name: 'Amber' }, score: 0.6, q: 0.02, evidence },
          { channel: 7, label: null, best: { name: 'blue' }, score: 0.2, q: 0.4, evidence },
          { channel: 9, label: 'greenish' },
        ],
      },
    ],
  });
  server = await startServer({ run: fx.run, port: 0, webDir: fx.web });
});
after(() => server.close());

async function get<T>(path: string, status = 200): Promise<T> {
  const res = await fetch(new URL(path, server.url));
  assert.equal(res.status, status, `${path} → ${res.status}`);
  return (await res.json()) as T;
}

const page = (query: string) => get<NeuronsPage>(`/api/layers/layer2.0/neurons?limit=500&${query}`);
const indices = (p: NeuronsPage) => p.neurons.map((n) => n.index);

test('rows carry what a card shows: exemplars, visualisation with its check, label check, probe AUC, circuits', async () => {
  const p = await page('sort=index');
  assert.equal(p.channels, 16);
  assert.equal(p.total, 16);
  const row = (c: number) => p.neurons[c]!;
  assert.deepEqual(row(5).exemplars, [3, 1]);
  assert.deepEqual(row(5).visualization, { image: 'visualize/layer2.0/5.png', check: { pass: true, activation: 3, best: 2 } });
  assert.deepEqual(row(9).visualization, { image: 'visualize/layer2.0/9.png', check: { pass: false, activation: 1, best: 2 } });
  assert.equal(row(11).visualization, null, 'listed in visualize.json but no PNG');
  assert.equal(row(12).visualization, null, 'a PNG linking out of the run');
  assert.equal(row(0).visualization, null);
  assert.deepEqual(row(5).probe, { concept: 'red', auc: 0.95 });
  assert.deepEqual(row(7).probe, { concept: 'red', auc: 0.85 });
  assert.equal(row(4).probe, null);
  assert.deepEqual(row(5).circuits, ['img1']);
  assert.deepEqual(row(4).circuits, []);
  assert.deepEqual([2, 5, 7, 9, 4].map((c) => row(c).labelCheck), ['pass', 'pass', 'fail', 'unchecked', null]);
  assert.equal(row(7).label?.evidence?.best, 'blue');
  // Neurons without an exemplars entry: the first strongest images of the stats top-k.
  const detail = await get<NeuronResponse>('/api/neuron/layer2.0/4');
  assert.equal(detail.exemplarSource, 'topk');
  assert.deepEqual(row(4).exemplars, detail.exemplars.slice(0, 4).map((e) => e.index));
  assert.deepEqual(p.layerAnalyses, { visualized: 2, visualizedPassed: 1, probes: true, circuits: ['img1'] });
});

test('sort keys: label (shown labels A–Z first), probe AUC, circuits; ties by index', async () => {
  const rest = (...first: number[]) => [...first, ...Array.from({ length: 16 }, (_, i) => i).filter((i) => !first.includes(i))];
  assert.deepEqual(indices(await page('sort=label')), rest(2, 9, 5), 'Amber, greenish, red square; the failed "blue" is not a label');
  assert.deepEqual(indices(await page('sort=auc')), rest(5, 7));
  assert.deepEqual(indices(await page('sort=circuits')), rest(5, 7));
  const byRate = await page('sort=rate');
  for (let i = 1; i < 16; i++) {
    const [a, b] = [byRate.neurons[i - 1]!, byRate.neurons[i]!];
    assert.ok(a.rate > b.rate || (a.rate === b.rate && a.index < b.index), `rate order at ${i}`);
  }
});

test('filters: label text, rate range, probe AUC, circuit membership; totals count matches; bad values are refused', async () => {
  assert.deepEqual(indices(await page('q=RED')), [5]);
  assert.equal((await page('q=blue')).total, 0, 'a failed candidate is not matched as a label');
  assert.deepEqual(indices(await page('minAuc=0.9')), [5]);
  assert.deepEqual(indices(await page('minAuc=0.8&sort=auc')), [5, 7]);
  assert.deepEqual(indices(await page('circuit=*')), [5, 7]);
  assert.equal((await page('circuit=-')).total, 14);
  assert.deepEqual(indices(await page('circuit=img1&q=red')), [5]);
  assert.equal((await page('circuit=nope')).total, 0);
  const all = (await page('sort=index')).neurons;
  const rates = [...new Set(all.map((n) => n.rate))].sort((a, b) => a - b);
  const cut = rates[Math.floor(rates.length / 2)]!;
  const above = await page(`minRate=${cut}&sort=rate`);
  assert.equal(above.total, all.filter((n) => n.rate >= cut).length);
  assert.ok(above.total > 0 && above.total < 16, `a real cut at ${cut}`);
  assert.equal((await page(`maxRate=${cut}`)).total, all.filter((n) => n.rate <= cut).length);
  assert.deepEqual(above.filter, { q: '', minRate: cut, maxRate: null, minAuc: null, circuit: null });
  // Pages of a filtered listing tile it.
  const paged = [...indices(await get<NeuronsPage>(`/api/layers/layer2.0/neurons?circuit=-&limit=10`)), ...indices(await get<NeuronsPage>(`/api/layers/layer2.0/neurons?circuit=-&limit=10&offset=10`))];
  assert.deepEqual(paged, indices(await page('circuit=-')));
  const bad = await get<{ error: string }>('/api/layers/layer2.0/neurons?minRate=2', 400);
  assert.match(bad.error, /^minRate="2" is not a share; pass a number from 0 to 1/);
  await get('/api/layers/layer2.0/neurons?minAuc=x', 400);
  await get('/api/layers/layer2.0/neurons?sort=bogus', 400);
});

test('visualisation URLs go through the safe /files route; the link out of the run stays refused', async () => {
  const ok = await rawRequest(server.url, '/files/visualize/layer2.0/5.png');
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['content-type'], 'image/png');
  assert.equal((await rawRequest(server.url, '/files/visualize/layer2.0/12.png')).status, 403);
});

test('static export copies the visualisations its pages name', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'neurolens-grid-export-')), 'site');
  await exportReport({ run: fx.run, out, webDir: fx.web, thumbs: false });
  assert.ok(existsSync(join(out, 'files', 'visualize', 'layer2.0', '5.png')));
  assert.ok(existsSync(join(out, 'files', 'visualize', 'layer2.0', '9.png')));
  assert.ok(!existsSync(join(out, 'files', 'visualize', 'layer2.0', '12.png')));
  assert.ok(existsSync(join(out, 'data', 'api', 'layers', 'layer2.0', 'neurons__limit=100__offset=0__sort=auc.js')));
});
