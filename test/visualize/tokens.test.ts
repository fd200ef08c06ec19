/**
 * Token units: on a tiny ViT (test/fixtures/tiny-models.ts) a token layer's units are visualised
 * through the same path as channels (their mean over every token, class token included, as the
 * run's `mean` pooling takes it), and the JSON compares the same number.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { record } from '../../src/record/recorder.js';
import { visualize } from '../../src/visualize/index.js';
import type { VisualizeLayerFile } from '../../src/visualize/types.js';
import { tinyVit } from '../fixtures/tiny-models.js';
import { makeWorkspace } from '../record/helpers.js';

test('a ViT token layer: one PNG per unit and the check in mean pooling', async () => {
  const ws = await makeWorkspace(tinyVit(), 6, { broken: false });
  const run = join(ws.dir, 'run');
  const recorded = await record({ model: ws.model, images: ws.images, out: run, layers: 'default', threads: 1 });
  assert.equal(recorded.status, 'complete');
  const manifest = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8')) as { layers: { id: string; kind: string }[] };
  const layer = manifest.layers.find((l) => l.kind === 'tokens')!;
  assert.ok(layer, 'the tiny ViT records a token layer');
  const result = await visualize({ model: ws.model, run, layers: [layer.id], neurons: [0, 3], steps: 16, threads: 1 });
  const stem = result.layers[0]!.layer;
  assert.equal(stem, layer.id);
  const file = JSON.parse(readFileSync(join(run, result.files.at(-1)!), 'utf8')) as VisualizeLayerFile;
  assert.equal(file.pooling, 'mean');
  assert.deepEqual(file.neurons.map((n) => n.neuron), [0, 3]);
  for (const n of file.neurons) {
    assert.ok(Number.isFinite(n.activation) && Number.isFinite(n.best.activation));
    assert.equal(n.pass, n.activation >= n.best.activation);
    assert.ok(existsSync(join(run, n.image)));
  }
  // The diversity term reads a token layer's tokens as its positions.
  const copies = await visualize({ model: ws.model, run, layers: [layer.id], neurons: [3], steps: 8, threads: 1, diversity: 2 });
  const group = copies.layers[0]!.neurons[0]!.diversity!;
  assert.ok(group.gramCosine > -1 && group.gramCosine <= 1 + 1e-9, `${group.gramCosine}`);
  assert.ok(existsSync(join(run, group.images[0]!.image)));
});
