import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headlineText, probeHeadline, withInterval } from '../../src/probes/headline.js';
import type { ConceptProbes } from '../../src/probes/pipeline.js';

const scores = (auc: number) => ({ auc, balancedAccuracy: auc, accuracy: auc });

/** A concept whose multi-neuron probe has test AUC `auc` on a split with `testPositives` positives. */
function concept(name: string, auc: number, testPositives: number, lower = 0.8): ConceptProbes {
  const ci = { auc: [lower, 1] as [number, number], accuracy: [0.5, 1] as [number, number] };
  return {
    name, positives: 5 * testPositives, negatives: 500,
    split: { train: 400, validation: 40, test: 100, testPositives },
    probes: { singleNeuron: { neuron: 0, heldInAuc: auc, test: scores(auc), ci }, multiNeuron: { test: scores(auc), ci }, multiConcept: null, mlp: null },
    baselines: { majority: scores(0.5), shuffled: scores(0.5) },
    sparse: { k: null, target: 0.95, targetAuc: null, curve: [] },
    topNeurons: [],
  };
}

test('headline: a perfect AUC on 4 test positives is not the best read; it is listed as too few', () => {
  const concepts = [concept('flags', 1, 4), concept('clocks', 0.93, 24), concept('hearts', 0.91, 12)];
  const h = probeHeadline(concepts, 10);
  assert.equal(h.best?.concept, 'clocks');
  assert.equal(h.best?.testPositives, 24);
  assert.deepEqual(h.best?.aucCi, [0.8, 1]);
  assert.deepEqual(h.tooFewTestPositives, [{ concept: 'flags', testPositives: 4 }]);
  const text = headlineText(h);
  assert.match(text, /^best read concept \(≥ 10 test positives\): clocks, multi-neuron test AUC 0\.930 \(95 % CI 0\.800–1\.000\)/);
  assert.match(text, /1 concept\(s\) with fewer than 10 test positives not ranked: flags \(4\)$/);
  assert.doesNotMatch(text, /flags, multi-neuron/);
  // With a floor of 4 the same concept may be claimed.
  assert.equal(probeHeadline(concepts, 4).best?.concept, 'flags');
});

test('headline: nothing at or above the floor → no claim, said in words; ties go to the tighter interval', () => {
  const h = probeHeadline([concept('a', 1, 3), concept('b', 0.99, 9)], 10);
  assert.equal(h.best, null);
  assert.equal(headlineText(h, 1), 'no concept has 10 or more test positives, so none is ranked; 2 concept(s) with fewer than 10 test positives not ranked: a (3), … 1 more');
  const tie = probeHeadline([concept('wide', 0.95, 10, 0.7), concept('tight', 0.95, 40, 0.9)], 10);
  assert.equal(tie.best?.concept, 'tight');
  assert.equal(withInterval(null, null), '—');
  assert.equal(withInterval(0.5, null), '0.500');
});
