import { test } from 'node:test';
import { matchSnapshot } from '../helpers/snapshot.js';
import assert from 'node:assert/strict';
import { renderProbeReport } from '../../src/probes/report.js';
import type { ConceptProbes, ProbeLayer } from '../../src/probes/pipeline.js';


const m = (auc: number | null, balancedAccuracy: number | null, accuracy: number | null) => ({ auc, balancedAccuracy, accuracy });

function concept(name: string, positives: number, neurons: number[], sparseK: number | null): ConceptProbes {
  return {
    name, positives, negatives: 12 - positives,
    split: { train: 8, validation: 1, test: 3, testPositives: 1 },
    probes: {
      singleNeuron: { neuron: neurons[0]!, heldInAuc: 0.97, test: m(0.9, 0.75, 0.667) },
      multiNeuron: { train: m(1, 1, 1), validation: m(1, 1, 1), test: m(0.95, 0.8, 0.833), ci: { auc: [0.61, 1], accuracy: [0.42, 0.97] }, epochs: 40 },
      multiConcept: { test: m(0.925, 0.7, 0.75) },
      mlp: null,
    },
    baselines: { majority: m(0.5, 0.5, 0.667), shuffled: m(0.45, 0.5, 0.5) },
    sparse: { k: sparseK, target: 0.95, targetAuc: 0.9025, curve: [{ k: 1, auc: 0.8 }, { k: 2, auc: 0.91 }, { k: 4, auc: 0.95 }, { k: 8, auc: null }] },
    topNeurons: neurons.map((neuron, i) => ({ neuron, heldInAuc: 0.95 - 0.1 * i, auc: 0.9 - 0.1 * i, accuracy: 0.7, weight: i % 2 ? -0.5 : 1.25 })),
  };
}

const layer: ProbeLayer = {
  format: 'neurolens-probes', formatVersion: 1,
  layer: { id: 'layer4.1', tensor: '/layer4/layer4.1/relu_1/Relu_output_0', channels: 8 }, pooling: 'mean', images: 12, settings: {},
  concepts: [concept('red <apple>', 4, [3, 1, 5], 2), concept('green', 8, [1, 6], null)],
  joint: { multiConcept: { test: m(null, 0.7, 0.75) }, mlp: null, majority: 0.667 },
  headline: { minTestPositives: 3, best: null, tooFewTestPositives: [{ concept: 'red <apple>', testPositives: 1 }, { concept: 'green', testPositives: 1 }] },
};

test('probe report: named snapshot of one layer with two concepts', () => {
  const html = renderProbeReport({
    title: 'probes — tiny',
    layers: [layer],
    neuronImages: new Map([['layer4.1', new Map([[3, [0, 2, 7]], [1, [2, 0]], [5, [9]], [6, [7]]])]]),
    thumbnails: new Map([[0, 'data:image/png;base64,AAAA'], [2, 'data:image/png;base64,BBBB'], [7, 'data:image/png;base64,CCCC']]),
    paths: new Map([[0, 'fruit/apple.png'], [2, 'fruit/pear.png'], [7, 'leaf/oak.png'], [9, 'leaf/gone.png']]),
  });
  assert.match(html, /red &#60;apple&#62;/, 'names are escaped');
  assert.ok(!/https?:\/\//.test(html.replace('http://www.w3.org/2000/svg', '')), 'no network references');
  assert.equal(html.match(/base64,AAAA/g)?.length, 1, 'each thumbnail is embedded once');
  assert.match(html, /<svg class="curve"/);
  assert.match(html, /not reached/);
  assert.match(html, /0\.950<br><span class="meta">0\.610–1\.000<\/span>/, 'the test AUC shows its interval');
  assert.equal(html.match(/too few test positives \(\d\)<\/b>, not ranked/g)?.length, 2, 'both concepts are below the floor');
  assert.match(html, /no concept has 3 or more test positives, so none is ranked; 2 concept\(s\) with fewer than 3 test positives not ranked: red &#60;apple&#62; \(1\), green \(1\)/);
  matchSnapshot(import.meta.dirname, 'probe-report-tiny.html', html);
});
