// Caption labels: the dominant concept cluster of a neuron's top images, finest level with a
// majority, else the coarsest; from a hand-written concepts run.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ConceptCluster } from '../../src/concepts/types.js';
import { captionLabel, clusterLevels, runNeurons, type CaptionLabelsFile } from '../../src/neurons/index.js';
import { readNpy } from '../../src/store/npy.js';
import { tinyRun } from './helpers.js';

function cluster(id: string, level: number, images: number[], caption: string): ConceptCluster {
  return { id, level, parent: null, children: [], images, caption, captionMethod: 'extractive', keywords: [], medoid: images[0] ?? 0, neurons: [], differenceNeurons: [], differenceDescription: '', differenceMethod: 'extractive', stats: {} as ConceptCluster['stats'], chance: {} as ConceptCluster['chance'] };
}

// Level 1: four clusters of 5 images (0–19); level 2: two clusters of 10; image 20 has no caption.
const CLUSTERS = [
  cluster('L1.0', 1, [0, 1, 2, 3, 4], 'red apple'),
  cluster('L1.1', 1, [5, 6, 7, 8, 9], 'green apple'),
  cluster('L1.2', 1, [10, 11, 12, 13, 14], 'blue sky'),
  cluster('L1.3', 1, [15, 16, 17, 18, 19], 'grey sky'),
  cluster('L2.0', 2, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'apple'),
  cluster('L2.1', 2, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], 'sky'),
];

test('caption labels: finest level with a majority, else the coarsest level, with shares', () => {
  const levels = clusterLevels(CLUSTERS);
  assert.deepEqual(levels.levels, [1, 2]);
  assert.deepEqual(captionLabel(0, [0, 1, 2, 5], levels), { channel: 0, level: 1, cluster: 'L1.0', caption: 'red apple', share: 0.75, confident: true });
  // 2 of 4 at level 1 (share 0.5 is enough).
  assert.deepEqual(captionLabel(1, [10, 11, 15, 0], levels)?.cluster, 'L1.2');
  // No level-1 majority (2, 2 and 1 of 5), level 2 has 4 of 5.
  assert.deepEqual(captionLabel(2, [0, 1, 5, 6, 10], levels), { channel: 2, level: 2, cluster: 'L2.0', caption: 'apple', share: 0.8, confident: true });
  // No majority anywhere: the coarsest level's dominant cluster (tie → listed first), not confident.
  assert.deepEqual(captionLabel(3, [0, 10, 20, 20], levels), { channel: 3, level: 2, cluster: 'L2.0', caption: 'apple', share: 0.25, confident: false });
  // A forced level.
  assert.deepEqual(captionLabel(4, [0, 1, 2, 5], levels, { level: 2 }), { channel: 4, level: 2, cluster: 'L2.0', caption: 'apple', share: 1, confident: true });
  assert.equal(captionLabel(5, [], levels), null);
});

test('caption labels on a run: labels.json from the concepts run, or a note when there is none', async () => {
  const { run } = await tinyRun(21);
  const none = await runNeurons({ run, layers: ['layer2.0'], top: 0, threads: 1 });
  assert.ok(none.notes.some((n) => /no concepts run .*neurolens concepts/.test(n)));
  assert.ok(!none.files.includes('neurons/labels.json'));

  mkdirSync(join(run, 'concepts'));
  const layerFile = { format: 'neurolens-concepts', formatVersion: 1, layer: { id: 'layer1.0', tensor: 't', channels: 8 }, pooling: 'mean', settings: {}, levels: [{ level: 1, clusters: 4 }, { level: 2, clusters: 2 }], clusters: CLUSTERS };
  writeFileSync(join(run, 'concepts', 'layer1.0.json'), JSON.stringify(layerFile));
  const result = await runNeurons({ run, layers: ['layer2.0'], top: 4, thumbSize: 8, threads: 1 });
  assert.ok(result.files.includes('neurons/labels.json'));
  const labels = JSON.parse(readFileSync(join(run, 'neurons', 'labels.json'), 'utf8')) as CaptionLabelsFile;
  assert.equal(labels.source, 'concepts/layer1.0.json');
  assert.deepEqual(labels.settings, { top: 4, minShare: 0.5, level: null });
  const topk = await readNpy(join(run, 'stats', 'layer2.0.max.topk.npy'));
  const k = topk.shape[1]!;
  const levels = clusterLevels(CLUSTERS);
  const neurons = labels.layers[0]!.neurons;
  assert.equal(neurons.length, 16);
  for (const n of neurons) {
    const top = Array.from((topk.data as Int32Array).subarray(n.channel * k, n.channel * k + 4));
    assert.deepEqual(n, captionLabel(n.channel, top, levels));
  }
  const forced = await runNeurons({ run, layers: ['layer2.0'], top: 4, thumbSize: 8, threads: 1, conceptsLevel: 2 });
  assert.equal(forced.exemplarsComputed, 0);
  const levelTwo = JSON.parse(readFileSync(join(run, 'neurons', 'labels.json'), 'utf8')) as CaptionLabelsFile;
  assert.ok(levelTwo.layers[0]!.neurons.every((n) => n.level === 2));
  await assert.rejects(runNeurons({ run, layers: ['layer2.0'], top: 0, threads: 1, conceptsLevel: 3 }), /--concepts-level 3: the concepts run has level\(s\) 1, 2/);
  rmSync(join(run, 'concepts'), { recursive: true });
});
