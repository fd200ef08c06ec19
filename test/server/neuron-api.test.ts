// /api/neuron/:layer/:c analysis sections on the explorer fixture: quantile and lowest images and
// correlated neurons equal direct computations on the stored activations; effects and the feature
// visualisation are null until their files exist, then served as stored; one pooling throughout;
// concurrent requests share one load of a layer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { NeuronResponse } from '../../src/server/api.js';
import type { NeuronEffectsFile } from '../../src/neurons/effects-types.js';
import { layerCacheOf } from '../../src/server/layer-columns.js';
import { activationSections } from '../../src/server/neuron-extras.js';
import { RunIndex } from '../../src/server/run-index.js';
import { startServer, type ExplorerServer } from '../../src/server/server.js';
import { readNpy } from '../../src/store/npy.js';
import { explorerFixture, type ExplorerFixture } from './helpers.js';
import { pearson } from '../helpers/pearson.js';

let fx: ExplorerFixture;
let server: ExplorerServer;

before(async () => {
  fx = await explorerFixture();
  server = await startServer({ run: fx.run, port: 0, webDir: fx.web });
});
after(() => server.close());

async function neuron(layer: string, c: number): Promise<NeuronResponse> {
  const res = await fetch(new URL(`/api/neuron/${layer}/${c}`, server.url));
  assert.equal(res.status, 200);
  return (await res.json()) as NeuronResponse;
}

async function matrix(layer: string) {
  const npy = await readNpy(join(fx.run, 'activations', `${layer}.mean.npy`));
  return { data: npy.data as Float32Array, rows: npy.shape[0]!, channels: npy.shape[1]! };
}

test('distribution and correlations equal direct computations on the stored activations', async () => {
  const n = await neuron('layer2.0', 5);
  assert.equal(n.pooling, 'mean');
  const own = await matrix('layer2.0');
  const column = Array.from({ length: own.rows }, (_, i) => own.data[i * own.channels + 5]!);
  const ascending = column.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  assert.equal(n.distribution.images, 24);
  const median = n.distribution.bands.find((b) => b.q === 0.5)!;
  assert.equal(median.value, ascending[Math.round(0.5 * 23)]![0]);
  assert.deepEqual(n.distribution.lowest.map((x) => x.index), ascending.slice(0, 8).map(([, i]) => i));
  for (const band of n.distribution.bands) {
    for (const img of band.images) assert.equal(img.activation, column[img.index]);
    for (let i = 1; i < band.images.length; i++) assert.ok(band.images[i - 1]!.activation >= band.images[i]!.activation);
  }
  const relations = new Set(n.correlations.neurons.map((x) => x.relation));
  assert.ok(relations.has('same') && relations.has('previous'), [...relations].join());
  for (const x of n.correlations.neurons) {
    const m = x.layer === 'layer2.0' ? own : await matrix(x.layer);
    const other = Array.from({ length: m.rows }, (_, i) => m.data[i * m.channels + x.channel]!);
    assert.ok(Math.abs(x.r - pearson(column, other)) < 1e-6, `${x.layer}#${x.channel}: ${x.r} vs ${pearson(column, other)}`);
    assert.ok(x.ci[0] <= x.r && x.r <= x.ci[1]);
    assert.equal(x.n, 24);
  }
  assert.ok(!n.correlations.neurons.some((x) => x.layer === 'layer2.0' && x.channel === 5), 'the neuron itself is left out');
  for (let i = 1; i < n.correlations.neurons.length; i++) assert.ok(Math.abs(n.correlations.neurons[i - 1]!.r) >= Math.abs(n.correlations.neurons[i]!.r));
  assert.ok(n.correlations.threshold > 0 && n.correlations.threshold < 1);
  assert.equal(n.correlations.stride, 1);
});

test('concurrent neuron requests load each layer once; a layer too large to keep gives the same sections', async () => {
  const run = await RunIndex.open(fx.run);
  const cache = layerCacheOf(run);
  const channels = Array.from({ length: 16 }, (_, c) => c);
  const sections = await Promise.all(channels.flatMap((c) => [activationSections(run, 'layer2.0', c, 'mean'), activationSections(run, 'layer2.0', c, 'mean')]));
  const own = run.activationsPath('layer2.0', 'mean');
  const loads = [...cache.lru.loads];
  assert.deepEqual(loads.filter(([k]) => k.endsWith(own)), [[`full:1\u0000${own}`, 1]], '32 concurrent requests, one load of the layer');
  const neighbours = loads.filter(([k]) => !k.endsWith(own));
  assert.ok(neighbours.length >= 1 && neighbours.every(([k, n]) => k.startsWith('sample:1\u0000') && n === 1), 'each neighbouring layer sampled, once');
  assert.equal(cache.columnPasses, 0);
  // A fresh index whose budget keeps no layer in full: sampled layers and streamed columns, the same numbers.
  const tight = await RunIndex.open(fx.run);
  const small = layerCacheOf(tight, 3000); // layer2.0: 24 × 16 × 4 = 1,536 bytes, over half of it
  const streamed = await Promise.all(channels.map((c) => activationSections(tight, 'layer2.0', c, 'mean')));
  assert.deepEqual([...small.lru.loads].filter(([k]) => k.endsWith(own)), [[`sample:1\u0000${own}`, 1]]);
  assert.ok([...small.lru.loads.keys()].every((k) => k.startsWith('sample:')));
  assert.equal(small.columnPasses, Math.ceil(16 / small.columnsPerPass(24)), 'the 16 columns came from passes as full as the budget allows');
  assert.ok(small.columnPasses < 16);
  channels.forEach((c) => assert.deepEqual(streamed[c], sections[2 * c], `neuron ${c}`));
});

test('effects and visualisation: null until their files exist, then served as stored', async () => {
  const before = await neuron('layer2.0', 3);
  assert.equal(before.effects, null);
  assert.equal(before.visualization, null);
  const effect = { class: 1, name: null, mean: -0.5, ci: [-0.7, -0.3] as [number, number], significant: true };
  const file: NeuronEffectsFile = {
    format: 'neurolens-neuron-effects',
    formatVersion: 1,
    layer: { id: 'layer2.0', tensor: 't', channels: 16 },
    settings: { ablation: { mode: 'zero', seed: 0, images: [0, 4, 9], output: 'logits', classes: 3, alpha: 0.05, top: 5 }, heatmaps: null },
    layerLargest: { median: 0.2, q90: 0.6 },
    neurons: [{ channel: 3, ablation: { up: [], down: [effect], largest: 0.5 }, heatmaps: null }],
  };
  writeFileSync(join(fx.run, 'neurons', 'effects.layer2.0.json'), JSON.stringify(file));
  mkdirSync(join(fx.run, 'visualize', 'layer2.0'), { recursive: true });
  await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 9, g: 9, b: 9 } } }).png().toFile(join(fx.run, 'visualize', 'layer2.0', '3.png'));
  const best = { index: 2, path: 'red/2.png', activation: 1.5 };
  writeFileSync(join(fx.run, 'visualize', 'layer2.0', 'visualize.json'), JSON.stringify({ format: 'neurolens-visualize', formatVersion: 1, layer: 'layer2.0', tensor: 't', pooling: 'mean', settings: {}, neurons: [{ neuron: 3, image: 'visualize/layer2.0/3.png', activation: 1.2, best, pass: false }], passed: 0, share: 0, failed: [3] }));
  const after = await neuron('layer2.0', 3);
  assert.deepEqual(after.effects?.ablation?.down, [effect]);
  assert.deepEqual(after.effects?.layerLargest, { median: 0.2, q90: 0.6 });
  assert.equal(after.effects?.heatmaps, null);
  assert.deepEqual(after.visualization, { image: 'visualize/layer2.0/3.png', pooling: 'mean', activation: 1.2, best, pass: false, diversity: null });
  // A --diversity run: the further images the run holds are listed with their checks; a listed PNG that is missing is not.
  await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 90, g: 9, b: 9 } } }).png().toFile(join(fx.run, 'visualize', 'layer2.0', '3.1.png'));
  const other = { image: 'visualize/layer2.0/3.1.png', activation: 1.7, pass: true };
  const missing = { image: 'visualize/layer2.0/3.2.png', activation: 1.1, pass: false };
  writeFileSync(join(fx.run, 'visualize', 'layer2.0', 'visualize.json'), JSON.stringify({ format: 'neurolens-visualize', formatVersion: 1, layer: 'layer2.0', tensor: 't', pooling: 'mean', settings: {}, neurons: [{ neuron: 3, image: 'visualize/layer2.0/3.png', activation: 1.2, best, pass: false, diversity: { images: [other, missing], gramCosine: 0.4 } }], passed: 0, share: 0, failed: [3] }));
  assert.deepEqual((await neuron('layer2.0', 3)).visualization?.diversity, { images: [other], gramCosine: 0.4 });
  assert.equal((await neuron('layer2.0', 4)).effects, null, 'a neuron missing from the file has no effects');
});

test('one pooling: exemplars ranked in another pooling are not mixed with this pooling\'s histogram', async () => {
  // The neurons stage ranked layer1.0 by max pooling, which this run did not record: the page stays on
  // the run's mean pooling and takes its exemplars from the mean top-k instead.
  writeFileSync(join(fx.run, 'neurons', 'exemplars.layer1.0.json'), JSON.stringify({ format: 'neurolens-exemplars', formatVersion: 1, layer: { id: 'layer1.0', tensor: 't', channels: 8 }, pooling: 'max', settings: { top: 1, thumbSize: 8 }, inputSize: [16, 16], sprites: '', neurons: [{ channel: 2, images: [0], paths: ['red/0.png'], activations: [99], boxes: [null] }] }));
  const n = await neuron('layer1.0', 2);
  assert.equal(n.pooling, 'mean');
  assert.equal(n.exemplarSource, 'topk');
  assert.ok(!n.exemplars.some((e) => e.activation === 99));
  assert.equal(n.exemplars[0]!.activation, n.stats.max);
  assert.equal(n.distribution.bands[0]!.images[0]!.activation, n.stats.max);
});
