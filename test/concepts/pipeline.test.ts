import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildConcepts } from '../../src/concepts/pipeline.js';
import { NeurolensError } from '../../src/errors.js';
import type { ConceptLayer } from '../../src/concepts/types.js';
import { colourRun } from './helpers.js';

test('concepts: captions → FINCH → groups per layer, JSON per layer and a report; identical JSON on a re-run', async () => {
  const { run, captions } = await colourRun();
  const result = await buildConcepts({ run, captions, layers: ['layer1.0', 'layer2.0'] });
  assert.equal(result.kept.length, 24);
  assert.ok(result.counts.length >= 1);
  const layer = JSON.parse(readFileSync(join(run, 'concepts', 'layer2.0.json'), 'utf8')) as ConceptLayer;
  assert.equal(layer.layer.channels, 16);
  assert.equal(layer.clusters.filter((c) => c.level === 1).length, result.counts[0]);
  // Every level-1 cluster holds one colour family (captions differ only in colour words and shade).
  for (const cluster of layer.clusters.filter((c) => c.level === 1)) {
    const families = new Set(cluster.images.map((i) => Math.floor(i / 8)));
    assert.equal(families.size, 1, `cluster ${cluster.id} mixes families`);
    assert.ok(cluster.caption.length > 0 && cluster.keywords.length > 0);
    assert.ok(cluster.chance.draws === 20);
  }
  // Parents' groups are the intersection of their children's.
  for (const parent of layer.clusters.filter((c) => c.children.length > 0)) {
    const children = parent.children.map((id) => layer.clusters.find((c) => c.id === id)!);
    const common = children.map((c) => new Set(c.neurons)).reduce((a, b) => new Set([...a].filter((x) => b.has(x))));
    assert.deepEqual(parent.neurons, [...common].sort((a, b) => a - b));
  }
  const html = readFileSync(result.report, 'utf8');
  assert.match(html, /data:image\/png;base64,/);
  assert.match(html, /layer2\.0/);
  const before = readFileSync(join(run, 'concepts', 'layer2.0.json'));
  await buildConcepts({ run, captions, layers: ['layer1.0', 'layer2.0'] });
  assert.ok(readFileSync(join(run, 'concepts', 'layer2.0.json')).equals(before), 'same inputs → identical JSON');
});

test('concepts: missing captions are a clear error unless --allow-missing', async () => {
  const { run, captions, dir } = await colourRun();
  const partial = join(dir, 'partial.csv');
  writeFileSync(partial, readFileSync(captions, 'utf8').split('\n').slice(0, 20).join('\n'));
  await assert.rejects(buildConcepts({ run, captions: partial }), (e: unknown) => e instanceof NeurolensError && /--allow-missing/.test(e.message) && !e.message.includes('\n'));
  const result = await buildConcepts({ run, captions: partial, allowMissing: true, layers: ['layer1.0'] });
  assert.equal(result.kept.length, 19);
  await assert.rejects(buildConcepts({ run, captions, embedder: 'nosuch:model' }), (e: unknown) => e instanceof NeurolensError && e.kind === 'usage');
});

test('concepts --clusters K: the top level has exactly K clusters and nests over the finer ones', async () => {
  const { run, captions } = await colourRun();
  const result = await buildConcepts({ run, captions, layers: ['layer1.0'], clusters: 2, finchVariant: 'v0.2.2' });
  assert.equal(result.counts.at(-1), 2);
  assert.ok(result.counts.slice(0, -1).every((n) => n > 2));
  const layer = JSON.parse(readFileSync(join(run, 'concepts', 'layer1.0.json'), 'utf8')) as ConceptLayer;
  const top = layer.clusters.filter((c) => c.level === result.counts.length);
  assert.equal(top.length, 2);
  assert.equal(top.reduce((n, c) => n + c.images.length, 0), 24);
});
