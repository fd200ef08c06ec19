// labels.json on a recorded run: enrichment labels from a hand-written concepts run and a --labels
// file, with a planted neuron whose top images come from one small cluster.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ConceptCluster } from '../../src/concepts/types.js';
import { clusterFamily, enrichmentLabels, labelsFamily, runNeurons, type NeuronLabelsFile } from '../../src/neurons/index.js';
import { loadLabelsFile } from '../../src/probes/labels.js';
import { openRun } from '../../src/run/open.js';
import { readNpy, writeNpy } from '../../src/store/npy.js';
import { tinyRun } from './helpers.js';

function cluster(id: string, level: number, images: number[], caption: string): ConceptCluster {
  return { id, level, parent: null, children: [], images, caption, captionMethod: 'extractive', keywords: [], medoid: images[0] ?? 0, neurons: [], differenceNeurons: [], differenceDescription: '', differenceMethod: 'extractive', stats: {} as ConceptCluster['stats'], chance: {} as ConceptCluster['chance'] };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
// 40 images: level 1 = eight clusters of 5; level 2 = a huge mixed cluster of 35 and one of 5.
const CLUSTERS = [
  ...range(0, 8).map((c) => cluster(`L1.${c}`, 1, range(5 * c, 5 * c + 5), `fine ${c}`)),
  cluster('L2.0', 2, range(0, 35), 'armenia flag'),
  cluster('L2.1', 2, range(35, 40), 'fine 7'),
];

test('labels on a run: a note without candidates; a planted neuron labelled, the file matching the pure labeller; --labels, --concepts-level, --max-q', async () => {
  const { run, dir } = await tinyRun(40);
  const none = await runNeurons({ run, layers: ['layer2.0'], top: 0, threads: 1 });
  assert.ok(none.notes.some((n) => /no concepts run .*and no --labels file.*neurolens concepts/.test(n)));
  assert.ok(!none.files.includes('neurons/labels.json'));

  mkdirSync(join(run, 'concepts'));
  const layerFile = { format: 'neurolens-concepts', formatVersion: 1, layer: { id: 'layer1.0', tensor: 't', channels: 8 }, pooling: 'max', settings: {}, levels: [{ level: 1, clusters: 8 }, { level: 2, clusters: 2 }], clusters: CLUSTERS };
  writeFileSync(join(run, 'concepts', 'layer1.0.json'), JSON.stringify(layerFile));
  // Plant: neuron 3's top 8 = the five images of L1.2 (10–14), then three from elsewhere in L2.0.
  const topkFile = join(run, 'stats', 'layer2.0.max.topk.npy');
  const topk = await readNpy(topkFile);
  const width = topk.shape[1]!;
  const data = Int32Array.from(topk.data as Int32Array);
  data.set([10, 11, 12, 13, 14, 0, 20, 30], 3 * width);
  await writeNpy(topkFile, data, topk.shape);

  const steps: string[] = [];
  const result = await runNeurons({ run, layers: ['layer2.0'], top: 0, threads: 1 }, { onStep: (s) => steps.push(s) });
  assert.ok(result.files.includes('neurons/labels.json'));
  const file = JSON.parse(readFileSync(join(run, 'neurons', 'labels.json'), 'utf8')) as NeuronLabelsFile;
  assert.deepEqual(file.sources, { concepts: 'concepts/layer1.0.json', labels: null });
  assert.equal(file.formatVersion, 2);
  assert.deepEqual(file.settings, { top: 8, maxQ: 0.05, level: null, score: 'f1', test: 'hypergeometric-greater', correction: 'bonferroni-within-neuron+benjamini-hochberg-across-layer' });
  const layer = file.layers[0]!;
  assert.equal(layer.neurons.length, 16);
  const planted = layer.neurons[3]!;
  assert.equal(planted.label, 'fine 2');
  assert.deepEqual(planted.best, { source: 'clusters', id: 'L1.2', name: 'fine 2', level: 1 });
  assert.deepEqual(planted.evidence, { overlap: 5, topK: 8, conceptSize: 5, dataset: 40 });
  assert.ok(planted.q < 0.05);
  // Every entry is what the pure labeller gives on the run's top-8 rows.
  const tops = range(0, 16).map((c) => Array.from(data.subarray(c * width, c * width + 8)));
  assert.deepEqual(layer.neurons, enrichmentLabels(tops, [clusterFamily(CLUSTERS, 40)], { runImages: 40 }));
  assert.equal(layer.labelled, layer.neurons.filter((n) => n.label !== null).length);
  assert.ok(layer.neurons.every((n) => n.label !== 'armenia flag'));
  assert.ok(steps.some((s) => new RegExp(`^layer2\\.0: ${layer.labelled} of 16 neuron\\(s\\) labelled \\(q < 0\\.05\\)`).test(s)));

  // A labels file adds candidates; a forced level drops the level-1 clusters.
  const images = (await openRun(run, { activations: false })).images;
  const csv = join(dir, 'concepts.csv');
  writeFileSync(csv, ['path,concept', ...[10, 11, 12, 13, 14, 0, 20, 30].map((i) => `${images[i]!.path},square`)].join('\n') + '\n');
  await runNeurons({ run, layers: ['layer2.0'], top: 0, threads: 1, labels: csv, conceptsLevel: 2 });
  const both = JSON.parse(readFileSync(join(run, 'neurons', 'labels.json'), 'utf8')) as NeuronLabelsFile;
  assert.deepEqual(both.sources, { concepts: 'concepts/layer1.0.json', labels: csv });
  const families = [clusterFamily(CLUSTERS, 40, 2), labelsFamily(await loadLabelsFile(csv, images, 1))];
  assert.deepEqual(both.layers[0]!.neurons, enrichmentLabels(tops, families, { runImages: 40 }));
  assert.equal(both.layers[0]!.neurons[3]!.label, 'square');
  assert.equal(both.layers[0]!.neurons[3]!.candidates, 3);

  // --max-q 1 labels every neuron that overlaps a candidate.
  await runNeurons({ run, layers: ['layer2.0'], top: 0, threads: 1, maxQ: 1 });
  const loose = JSON.parse(readFileSync(join(run, 'neurons', 'labels.json'), 'utf8')) as NeuronLabelsFile;
  assert.ok(loose.layers[0]!.neurons.every((n) => (n.label !== null) === (n.best !== null && n.q < 1)));
  await assert.rejects(runNeurons({ run, layers: ['layer2.0'], top: 0, threads: 1, maxQ: 0 }), /--max-q must be a number in \(0, 1\], got "0"/);
  await assert.rejects(runNeurons({ run, layers: ['layer2.0'], top: 0, threads: 1, conceptsLevel: 3 }), /--concepts-level 3: the concepts run has level\(s\) 1, 2/);
});
