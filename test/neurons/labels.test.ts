// labels.json on a recorded run: enrichment labels from a hand-written concepts run and a --labels
// file, with a planted neuron whose top images come from one small cluster; and from a --masks
// dataset through the CLI, with a planted neuron whose top images are the images showing "red".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import type { ConceptCluster } from '../../src/concepts/types.js';
import { clusterFamily, enrichmentLabels, labelsFamily, maskFamily, readMaskDataset, runNeurons, type NeuronLabelsFile } from '../../src/neurons/index.js';
import { loadLabelsFile } from '../../src/probes/labels.js';
import { openRun } from '../../src/run/open.js';
import { readNpy, writeNpy } from '../../src/store/npy.js';
import { assertFormat } from '../helpers/schema.js';
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
  assert.ok(none.notes.some((n) => /no concepts run .*no --labels file and no --masks concept.*neurolens concepts/.test(n)));
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
  assert.deepEqual(file.sources, { concepts: 'concepts/layer1.0.json', labels: null, masks: null });
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
  assert.deepEqual(both.sources, { concepts: 'concepts/layer1.0.json', labels: csv, masks: null });
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

/** An 8×8 mask PNG, all concept (255) or all background (0). */
async function maskPng(path: string, on: boolean): Promise<void> {
  await sharp(Buffer.alloc(64, on ? 255 : 0), { raw: { width: 8, height: 8, channels: 1 } }).png().toFile(path);
}

test('labels from --masks through the CLI: the images showing "red" label the neuron whose top images they are; noise stays unlabelled', async () => {
  const { run, dir, images: imagesDir } = await tinyRun(40);
  const { images, manifest } = await openRun(run, { activations: false });
  // Mask files for run images 0–29 (the universe, N = 30): red shown on 10–17 (K = 8); 18–19 have a
  // red mask that is all background; blue on 0–9; green only as empty masks (never shown, dropped).
  // Image 30 has an entry without mask files and 31–39 none: both outside the universe. One entry
  // names an image the run did not record: it serves the dissection only.
  mkdirSync(join(dir, 'masks'));
  await maskPng(join(dir, 'masks', 'on.png'), true);
  await maskPng(join(dir, 'masks', 'off.png'), false);
  copyFileSync(join(imagesDir, images[0]!.path), join(dir, 'outside.png'));
  const lines = range(0, 31).map((i) => {
    const masks: Record<string, string> = {};
    if (i < 10) masks.blue = 'masks/on.png';
    if (i >= 10 && i < 20) masks.red = i < 18 ? 'masks/on.png' : 'masks/off.png';
    if (i >= 20 && i < 30) masks.green = 'masks/off.png';
    return { image: `images/${images[i]!.path}`, masks };
  });
  lines.push({ image: 'outside.png', masks: { red: 'masks/on.png' } });
  const jsonl = join(dir, 'masks.jsonl');
  writeFileSync(jsonl, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');

  const { family, unmatched } = await maskFamily(await readMaskDataset(jsonl), { root: imagesDir, images, prep: manifest.preprocessing });
  assert.deepEqual(family.concepts, [{ id: 'blue', name: 'blue', level: null, images: range(0, 10) }, { id: 'red', name: 'red', level: null, images: range(10, 18) }]);
  assert.deepEqual([...family.universe], range(0, 40).map((i) => (i < 30 ? 1 : 0)));
  assert.deepEqual(unmatched.map((e) => e.line), [32]);

  // Plant: neuron 3's top 8 = exactly the red images; neuron 5's = a spread with one red image.
  const topkFile = join(run, 'stats', 'layer2.0.max.topk.npy');
  const topk = await readNpy(topkFile);
  const width = topk.shape[1]!;
  const data = Int32Array.from(topk.data as Int32Array);
  data.set([17, 16, 15, 14, 13, 12, 11, 10], 3 * width);
  data.set([0, 10, 20, 25, 30, 35, 5, 28], 5 * width);
  await writeNpy(topkFile, data, topk.shape);

  const root = join(import.meta.dirname, '..', '..');
  const cli = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'neurons', '--run', run, '--layers', 'layer2.0', '--top', '0', '--masks', jsonl, '--threads', '1'], { cwd: root, encoding: 'utf8', env: { ...process.env, NEUROLENS_DEBUG: '' } });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stderr, /masks\.jsonl: 1 of 32 mask image\(s\) are not images of the run \(e\.g\. .*outside\.png/);
  const file = JSON.parse(readFileSync(join(run, 'neurons', 'labels.json'), 'utf8')) as NeuronLabelsFile;
  assertFormat('neurolens-neuron-labels', file);
  assert.deepEqual(file.sources, { concepts: null, labels: null, masks: jsonl });
  const layer = file.layers[0]!;
  const red = layer.neurons[3]!;
  assert.equal(red.label, 'red');
  assert.deepEqual(red.best, { source: 'masks', id: 'red', name: 'red', level: null });
  assert.deepEqual(red.evidence, { overlap: 8, topK: 8, conceptSize: 8, dataset: 30 });
  assert.equal(red.candidates, 2);
  assert.ok(red.q < 0.05, `q ${red.q}`);
  const noise = layer.neurons[5]!;
  assert.equal(noise.label, null);
  // Only its six top images inside the universe count (30 and 35 have no mask file).
  assert.deepEqual(noise.best, { source: 'masks', id: 'blue', name: 'blue', level: null });
  assert.deepEqual(noise.evidence, { overlap: 2, topK: 6, conceptSize: 10, dataset: 30 });
  assert.ok(noise.q >= 0.05);
  // Every entry is what the pure labeller gives with the mask family alone.
  const tops = range(0, 16).map((c) => Array.from(data.subarray(c * width, c * width + 8)));
  assert.deepEqual(layer.neurons, enrichmentLabels(tops, [family], { runImages: 40 }));
});
