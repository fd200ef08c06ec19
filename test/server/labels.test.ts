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
