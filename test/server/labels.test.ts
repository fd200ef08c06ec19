import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNeuronLabels } from '../../src/server/neuron-labels.js';

test('neuron labels: dissection.json and labels.json layouts, dissection first, null labels skipped', () => {
  const dissection = {
    format: 'neurolens-dissection',
    concepts: [{ name: 'sky', images: 3 }],
    layers: [{ id: 'layer4.1', channels: 4, map: [2, 2], neurons: [{ channel: 0, label: 'sky', iou: 0.12, runnerUp: null, threshold: 1 }, { channel: 1, label: null, iou: 0, runnerUp: null, threshold: 1 }] }],
    skippedLayers: ['fc'],
  };
  const captions = {
    format: 'neurolens-neuron-labels',
    source: 'concepts/layer4.1.json',
    settings: { top: 8 },
    layers: [{ id: 'layer4.1', channels: 4, neurons: [{ channel: 0, level: 1, cluster: 'L1.0', caption: 'a red apple', share: 0.5, confident: true }, { channel: 1, level: 2, cluster: 'L2.0', caption: 'fruit', share: 0.75, confident: true }] }],
  };
  const index = parseNeuronLabels(dissection, captions);
  assert.deepEqual([...index.keys()], ['layer4.1']);
  assert.deepEqual(index.get('layer4.1')!.get(0), { text: 'sky', source: 'dissection', score: 0.12 });
  assert.deepEqual(index.get('layer4.1')!.get(1), { text: 'fruit', source: 'labels', score: 0.75 });
  assert.equal(parseNeuronLabels(null, null).size, 0);
});

test('neuron labels: enrichment labels.json carries its evidence; a significant one wins over dissection, an unlabelled one only fills gaps', () => {
  const dissection = { format: 'neurolens-dissection', layers: [{ id: 'l', channels: 3, neurons: [{ channel: 0, label: 'red', iou: 0.1 }, { channel: 1, label: 'blue', iou: 0.2 }] }] };
  const entry = (channel: number, label: string | null, q: number) => ({
    channel,
    label,
    best: { source: 'clusters', id: 'L1.2', name: 'clock', level: 1 },
    score: 0.5,
    p: 1e-6,
    pNeuron: 1e-4,
    q,
    candidates: 100,
    evidence: { overlap: 5, topK: 8, conceptSize: 12, dataset: 300 },
  });
  const labels = { format: 'neurolens-neuron-labels', formatVersion: 2, layers: [{ id: 'l', channels: 3, labelled: 1, topLabel: null, neurons: [entry(0, 'clock', 0.01), entry(1, null, 0.3), entry(2, null, 0.4)] }] };
  const index = parseNeuronLabels(dissection, labels).get('l')!;
  const evidence = (q: number) => ({ best: 'clock', q, overlap: 5, topK: 8, conceptSize: 12, dataset: 300 });
  assert.deepEqual(index.get(0), { text: 'clock', source: 'labels', score: 0.5, evidence: evidence(0.01) });
  assert.deepEqual(index.get(1), { text: 'blue', source: 'dissection', score: 0.2 });
  assert.deepEqual(index.get(2), { text: null, source: 'labels', score: 0.5, evidence: evidence(0.4) });
});
