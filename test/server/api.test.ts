import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AttributionResponse, CircuitResponse, CircuitsResponse, ConceptSearchResponse, ConceptsResponse, ImageResponse, ImagesPage, NeuronResponse, NeuronsPage, OverviewResponse } from '../../src/server/api.js';
import { startServer, type ExplorerServer } from '../../src/server/server.js';
import { explorerFixture, type ExplorerFixture } from './helpers.js';

let fx: ExplorerFixture;
let server: ExplorerServer;

before(async () => {
  fx = await explorerFixture();
  server = await startServer({ run: fx.run, port: 0, webDir: fx.web });
});
after(() => server.close());

async function get<T>(path: string, status = 200): Promise<T> {
  const res = await fetch(new URL(path, server.url));
  assert.equal(res.status, status, `${path} → ${res.status}`);
  if (path.startsWith('/api/')) {
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
  }
  return (await res.json()) as T;
}

test('overview: model, layers, dataset and every analysis with counts', async () => {
  const o = await get<OverviewResponse>('/api/overview');
  assert.equal(o.model.file, 'model.onnx');
  assert.match(o.model.sha256, /^[0-9a-f]{64}$/);
  assert.ok(o.layers.some((l) => l.id === 'layer2.0' && l.channels === 16));
  assert.deepEqual(o.poolings, ['mean']);
  assert.equal(o.dataset.count, 24);
  assert.equal(o.dataset.imageRoot, 'images');
  assert.deepEqual(o.analyses.concepts.map((c) => c.layer).sort(), ['layer1.0', 'layer2.0']);
  assert.ok(o.analyses.concepts.every((c) => c.clusters > 0 && c.levels > 0));
  assert.deepEqual(o.analyses.circuits, { queries: 1, eval: true, diagnoses: 1, common: false });
  assert.deepEqual(o.analyses.probes, [{ layer: 'layer2.0', concepts: 1, pooling: 'mean' }]);
  assert.equal(o.analyses.neurons.labels, true);
  assert.equal(o.analyses.neurons.dissection, false);
  assert.deepEqual(o.analyses.neurons.exemplarLayers, ['layer2.0']);
  assert.deepEqual(o.analyses.neurons.spriteLayers, ['layer2.0']);
  assert.equal(o.analyses.neurons.summary?.format, 'neurolens-neurons-summary');
  assert.deepEqual(o.analyses.attribution, [{ name: 'occl', methods: ['occlusion', 'rise'], images: 2, eval: true }]);
  assert.ok(o.analyses.reports.includes('concepts/report.html') && o.analyses.reports.includes('circuits/img1.html'));
});

test('neurons: pages cover every neuron once, sorted as asked; limits are checked', async () => {
  for (const sort of ['index', 'rate', 'maxact'] as const) {
    const seen: number[] = [];
    const rows: NeuronsPage['neurons'] = [];
    for (let offset = 0; offset < 16; offset += 5) {
      const page = await get<NeuronsPage>(`/api/layers/layer2.0/neurons?offset=${offset}&limit=5&sort=${sort}`);
      assert.equal(page.total, 16);
      assert.equal(page.neurons.length, Math.min(5, 16 - offset));
      seen.push(...page.neurons.map((n) => n.index));
      rows.push(...page.neurons);
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 16 }, (_, i) => i), sort);
    const key = (n: (typeof rows)[number]) => (sort === 'index' ? -n.index : sort === 'rate' ? n.rate : n.max);
    for (let i = 1; i < rows.length; i++) assert.ok(key(rows[i - 1]!) >= key(rows[i]!), `${sort} order at ${i}`);
  }
  const page = await get<NeuronsPage>('/api/layers/layer2.0/neurons?limit=16');
  assert.ok(page.neurons.every((n) => n.rate >= 0 && n.rate <= 1 && n.max >= n.mean));
  assert.deepEqual(page.neurons[5]!.label, { text: 'red square', source: 'labels', score: 0.75 });
  assert.equal(page.neurons[4]!.label, null);
  assert.equal((await get<NeuronsPage>('/api/layers/layer2.0/neurons?offset=100')).neurons.length, 0);
  await get('/api/layers/layer2.0/neurons?limit=501', 400);
  await get('/api/layers/layer2.0/neurons?limit=0', 400);
  await get('/api/layers/layer2.0/neurons?sort=bogus', 400);
  await get('/api/layers/nope/neurons', 404);
  await get('/api/layers/layer2.0/neurons?pooling=top10', 404);
});

test('neuron: stats, histogram, exemplars with boxes, sprite, label, concepts, probes, circuits', async () => {
  const n = await get<NeuronResponse>('/api/neuron/layer2.0/5');
  assert.equal(n.channels, 16);
  assert.equal(n.histogram.counts.reduce((a, b) => a + b, 0), 24);
  assert.equal(n.histogram.edges.length, n.histogram.counts.length + 1);
  assert.equal(n.histogram.edges[0], n.stats.min);
  assert.ok(Math.abs(n.histogram.edges.at(-1)! - n.stats.max) < 1e-9);
  assert.ok(n.stats.min <= n.stats.mean && n.stats.mean <= n.stats.max);
  assert.equal(n.exemplarSource, 'neurons');
  assert.deepEqual(n.exemplars[0], { index: 3, path: 'red/3.png', activation: 2.5, box: { x: 1, y: 2, width: 4, height: 4 } });
  assert.equal(n.sprite, 'neurons/thumbs/layer2.0/5.png');
  assert.equal(n.label?.text, 'red square');
  assert.deepEqual(n.probes, [{ concept: 'red', pooling: 'mean', role: 'best-single', rank: 1, auc: 0.95, heldInAuc: 0.9, weight: null }]);
  assert.deepEqual(n.circuits, [{ name: 'img1', circuit: 'layer1.0#3', root: false, act: 0.75, region: { x: 0, y: 0, width: 8, height: 8 } }]);
  const tree = await get<ConceptsResponse>('/api/concepts/layer2.0');
  const holding = tree.clusters.filter((c) => c.neurons.includes(5)).map((c) => c.id).sort();
  assert.deepEqual(n.concepts.map((c) => c.id).sort(), holding);

  // A neuron without neurons/ outputs: exemplars from the run's top-k, with real activations.
  const m = await get<NeuronResponse>('/api/neuron/layer2.0/7');
  assert.equal(m.exemplarSource, 'topk');
  assert.ok(m.exemplars.length > 0);
  for (let i = 1; i < m.exemplars.length; i++) assert.ok(m.exemplars[i - 1]!.activation >= m.exemplars[i]!.activation);
  assert.equal(m.exemplars[0]!.activation, m.stats.max);
  assert.equal(m.sprite, null);
  assert.equal(m.probes[0]?.role, 'top');
  assert.equal(m.probes[0]?.weight, -0.7);
  assert.equal((await get<NeuronResponse>('/api/neuron/layer1.0/3')).circuits[0]?.root, true);
  await get('/api/neuron/layer2.0/16', 404);
  await get('/api/neuron/layer2.0/x', 404);
});

test('concepts: the stored tree and caption search', async () => {
  const tree = await get<ConceptsResponse>('/api/concepts/layer1.0');
  assert.equal(tree.format, 'neurolens-concepts');
  assert.ok(tree.levels.length >= 1);
  assert.ok(tree.clusters.every((c) => c.caption.length > 0 && c.images.length > 0));
  const found = await get<ConceptSearchResponse>('/api/concepts/layer1.0/search?q=Apple');
  assert.ok(found.total > 0);
  assert.ok(found.results.every((r) => `${r.caption} ${r.keywords.join(' ')}`.toLowerCase().includes('apple') || tree.clusters.find((c) => c.id === r.id)!.differenceDescription.toLowerCase().includes('apple')));
  assert.equal((await get<ConceptSearchResponse>('/api/concepts/layer1.0/search?q=zebra')).total, 0);
  await get('/api/concepts/layer2.0.conv1', 404);
});

test('circuits: list, Sankey nodes/links, eval and diagnosis', async () => {
  const list = await get<CircuitsResponse>('/api/circuits');
  assert.equal(list.queries.length, 1);
  assert.deepEqual(list.queries[0], { name: 'img1', query: { index: 1, image: 'red/1.png' }, circuits: 1, nodes: 3, edges: 2, diagnosis: true, eval: true, report: 'circuits/img1.html', default: { id: 'layer1.0#3', basis: 'unmeasured', drop: null } });
  assert.deepEqual(list.eval?.summary, { queries: 1 });
  const c = await get<CircuitResponse>('/api/circuits/img1');
  assert.equal(c.sankey.length, 1);
  assert.deepEqual(c.sankey[0]!.nodes.map((n) => [n.id, n.column, n.root]), [['layer1.0#3', 0, true], ['layer2.0#5', 1, false], ['layer2.0#7', 1, false]]);
  // Each node says whether the support gate was on for its layer and, there, the drop that admitted it.
  assert.deepEqual(c.sankey[0]!.nodes.map((n) => [n.gated, n.support]), [[false, undefined], [true, 0.125], [true, 0.25]]);
  assert.deepEqual(c.sankey[0]!.links, [{ source: 'layer1.0#3', target: 'layer2.0#5', value: 0.6, sfs: 0.5 }, { source: 'layer1.0#3', target: 'layer2.0#7', value: 0.4, sfs: 0.25 }]);
  assert.equal(c.eval?.neurons, 3);
  assert.equal(c.diagnosis?.target, 0);
  assert.equal(c.result.query.index, 1);
  assert.deepEqual([c.result.format, c.result.formatVersion], ['neurolens-circuits', 1]);
  await get('/api/circuits/eval', 404);
  await get('/api/circuits/nope', 404);
});

test('attribution: folders with their documents and PNGs', async () => {
  const a = await get<AttributionResponse>('/api/attribution/occl');
  assert.deepEqual(a.pngs, ['attribution/occl/red_0.occlusion.png']);
  assert.deepEqual(a.files, ['attribution/occl/attribution.json', 'attribution/occl/eval.json']);
  assert.equal((a.attribution?.entries as unknown[]).length, 2);
  assert.equal(a.images, 2);
  assert.deepEqual(a.evaluation?.methods, ['occlusion', 'rise']);
  assert.deepEqual([a.attribution?.format, a.evaluation?.format], ['neurolens-attribution', 'neurolens-attribution-eval']);
  const png = await fetch(new URL('/files/attribution/occl/red_0.occlusion.png', server.url));
  assert.equal(png.status, 200);
  assert.equal(png.headers.get('content-type'), 'image/png');
  await get('/api/attribution/none', 404);
});

test('images: pagination, search, one image with predictions, strongest neurons and concept paths', async () => {
  const all: number[] = [];
  for (let offset = 0; offset < 24; offset += 10) {
    const page = await get<ImagesPage>(`/api/images?offset=${offset}&limit=10`);
    assert.equal(page.total, 24);
    all.push(...page.images.map((i) => i.index));
  }
  assert.deepEqual(all, Array.from({ length: 24 }, (_, i) => i));
  const green = await get<ImagesPage>('/api/images?q=GREEN/&limit=100');
  assert.equal(green.total, 8);
  assert.ok(green.images.every((i) => i.path.startsWith('green/') && i.top1 !== null));
  const img = await get<ImageResponse>('/api/image/9');
  assert.equal(img.path, green.images[1]!.path);
  assert.equal(img.predictions.length, 5);
  assert.ok(img.predictions[0]!.score >= img.predictions[1]!.score);
  const l2 = img.strongest.find((s) => s.layer === 'layer2.0')!;
  assert.equal(l2.neurons.length, 5);
  for (let i = 1; i < 5; i++) assert.ok(l2.neurons[i - 1]!.activation >= l2.neurons[i]!.activation);
  const tree = await get<ConceptsResponse>('/api/concepts/layer2.0');
  const path = img.concepts.find((c) => c.layer === 'layer2.0')!.path;
  assert.ok(path.length >= 1);
  assert.ok(tree.clusters.find((c) => c.id === path[0]!.id)!.images.includes(9));
  for (let i = 1; i < path.length; i++) assert.equal(tree.clusters.find((c) => c.id === path[i - 1]!.id)!.parent, path[i]!.id);
  await get('/api/image/24', 404);
  await get('/api/image/-1', 404);
});

test('thumbnails: PNG at the asked size, cached in the run, immutable', async () => {
  const res = await fetch(new URL('/thumb/2?size=64', server.url));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  assert.match(res.headers.get('cache-control') ?? '', /immutable/);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(bytes.readUInt32BE(16), 64); // IHDR width: 20×20 source scaled to fit 64
  assert.ok(existsSync(join(fx.run, '.explorer-cache', 'thumbs', '64', '2.png')));
  assert.equal((await fetch(new URL('/thumb/2?size=100', server.url))).status, 400);
  assert.equal((await fetch(new URL('/thumb/999', server.url))).status, 404);
});

test('everything else is the app: index.html for routes, assets from the app folder', async () => {
  const page = await fetch(new URL('/neuron/layer2.0/5', server.url));
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<div id="root">/);
  const asset = await fetch(new URL('/assets/app.js', server.url));
  assert.match(asset.headers.get('content-type') ?? '', /javascript/);
  assert.equal(await asset.text(), 'console.log("app");\n');
  assert.equal((await fetch(new URL('/assets/missing.js', server.url))).status, 404);
  const unknown = await fetch(new URL('/api/nothing', server.url));
  assert.equal(unknown.status, 404);
  assert.match(((await unknown.json()) as { error: string }).error, /not found/);
});

test('200 concurrent requests of mixed endpoints all succeed', async () => {
  const paths = ['/api/overview', '/api/layers/layer1.0/neurons?sort=rate', '/api/neuron/layer2.0/3', '/api/concepts/layer2.0', '/api/circuits/img1', '/api/images?limit=5', '/api/image/7', '/thumb/5', '/files/manifest.json', '/'];
  const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => fetch(new URL(paths[i % paths.length]!, server.url)).then(async (r) => ({ status: r.status, size: (await r.arrayBuffer()).byteLength }))));
  assert.deepEqual(responses.filter((r) => r.status !== 200), []);
  assert.ok(responses.every((r) => r.size > 0));
});
