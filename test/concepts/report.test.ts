import { test } from 'node:test';
import { matchSnapshot } from '../helpers/snapshot.js';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { renderConceptReport } from '../../src/concepts/report.js';
import type { ConceptCluster, ConceptLayer } from '../../src/concepts/types.js';


function cluster(partial: Partial<ConceptCluster> & Pick<ConceptCluster, 'id' | 'level'>): ConceptCluster {
  return {
    parent: null, children: [], images: [], caption: '', captionMethod: 'extractive', keywords: [], medoid: 0,
    neurons: [], differenceNeurons: [], differenceDescription: '', differenceMethod: 'extractive',
    stats: { size: 0, inShare: 0, outShare: 0, specificity: 0 },
    chance: { size: { mean: 0.5, sd: 0.5 }, specificity: { mean: 0.01, sd: 0.02 }, draws: 20, seed: 0 },
    ...partial,
  };
}

const layer: ConceptLayer = {
  format: 'neurolens-concepts', formatVersion: 1,
  layer: { id: 'layer4.1', tensor: '/layer4/layer4.1/relu_1/Relu_output_0', channels: 8 }, pooling: 'mean', settings: {},
  levels: [{ level: 1, clusters: 2 }, { level: 2, clusters: 1 }],
  clusters: [
    cluster({ id: 'L1.0', level: 1, parent: 'L2.0', images: [0, 1], caption: 'red apple', keywords: ['red', 'apple'], neurons: [1, 2, 5], differenceNeurons: [5], differenceDescription: 'red <and> round', stats: { size: 3, inShare: 1, outShare: 0, specificity: 1 } }),
    cluster({ id: 'L1.1', level: 1, parent: 'L2.0', images: [2], caption: 'green pear', keywords: ['green'], neurons: [1, 2, 6], differenceNeurons: [6], differenceDescription: 'green', stats: { size: 3, inShare: 1, outShare: 0.5, specificity: 0.5 } }),
    cluster({ id: 'L2.0', level: 2, children: ['L1.0', 'L1.1'], images: [0, 1, 2], caption: 'fruit', keywords: ['fruit'], neurons: [1, 2], stats: { size: 2, inShare: 1, outShare: 0, specificity: 1 } }),
  ],
};

test('concept report: named snapshot of a two-level tree', () => {
  const html = renderConceptReport({
    title: 'concepts — tiny',
    layers: [layer],
    thumbnails: new Map([[0, 'data:image/png;base64,AAAA'], [2, 'data:image/png;base64,BBBB']]),
    paths: new Map([[0, 'fruit/apple.png'], [1, 'fruit/apple2.png'], [2, 'fruit/pear.png']]),
  });
  assert.match(html, /red &#60;and&#62; round/, 'descriptions are escaped');
  assert.ok(!/https?:\/\//.test(html), 'no network references');
  matchSnapshot(import.meta.dirname, 'concept-report-tiny.html', html);
});

test('concept report: a level whose children share no neuron says so instead of "group 0 … specificity 0"', () => {
  const disjoint: ConceptLayer = {
    ...layer,
    clusters: [
      cluster({ id: 'L1.0', level: 1, parent: 'L2.0', images: [0, 1], caption: 'red apple', neurons: [1, 5], differenceNeurons: [1, 5], stats: { size: 2, inShare: 1, outShare: 0, specificity: 1 } }),
      cluster({ id: 'L1.1', level: 1, parent: 'L2.0', images: [2], caption: 'green pear', neurons: [6], differenceNeurons: [6], stats: { size: 1, inShare: 1, outShare: 0.5, specificity: 0.5 } }),
      cluster({ id: 'L2.0', level: 2, children: ['L1.0', 'L1.1'], images: [0, 1, 2], caption: 'fruit' }),
    ],
  };
  const html = renderConceptReport({ title: 'concepts — disjoint', layers: [disjoint], thumbnails: new Map(), paths: new Map() });
  assert.match(html, /<span class="id">L2\.0<\/span> fruit <span class="meta">3 images · no shared neurons<\/span>/);
  assert.doesNotMatch(html, /group 0|in-cluster 0%/);
  assert.match(html, /<b>neurons:<\/b> no shared neurons<\/p>/);
  assert.match(html, /red apple <span class="meta">2 images · group 2 neurons \(chance 0\.5±0\.5\) · specificity 1\.00 \(chance 0\.01\) · 2 difference neurons \(not in the parent&#39;s group\)/);
});
