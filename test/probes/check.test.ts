import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeCheck } from '../../src/probes/check.js';
import type { ConceptProbes } from '../../src/probes/layer-probes.js';

/** A concept whose multi-neuron probe has test AUC interval `ci`, `testPositives` and shuffled-label AUC `shuffled`. */
function concept(ci: [number, number] | null, testPositives: number, shuffled: number | null): ConceptProbes {
  const scores = { accuracy: 0.9, balancedAccuracy: 0.9, auc: ci ? (ci[0] + ci[1]) / 2 : null };
  return {
    name: 'c',
    positives: 40,
    negatives: 60,
    split: { train: 70, validation: 10, test: 20, testPositives },
    probes: { singleNeuron: { test: scores, neuron: 0, heldInAuc: 0.8 }, multiNeuron: { test: scores, ci: { auc: ci, accuracy: null } }, multiConcept: null, mlp: null },
    baselines: { majority: scores, shuffled: { ...scores, auc: shuffled } },
    sparse: { k: null, target: 0.95, targetAuc: null, curve: [] },
    topNeurons: [],
  };
}

test('probeCheck: passes only when the AUC interval clears both chance and the shuffled-label probe', () => {
  assert.equal(probeCheck(concept([0.7, 0.9], 12, 0.55), 10).verdict, 'pass');
  // Above chance, but the shuffled-label probe reads as much: no claim.
  const control = probeCheck(concept([0.6, 0.9], 12, 0.65), 10);
  assert.equal(control.verdict, 'fail');
  assert.match(control.reason, /0\.600 is at or below chance \(0\.500\) or the shuffled-label probe's 0\.650/);
  // The interval reaches chance, whatever the control says.
  assert.equal(probeCheck(concept([0.45, 0.9], 12, 0.3), 10).verdict, 'fail');
  assert.equal(probeCheck(concept([0.55, 0.9], 12, null), 10).verdict, 'pass');
});

test('probeCheck: too few test positives, or no test AUC, is not a pass', () => {
  const few = probeCheck(concept([0.9, 1], 3, 0.5), 10);
  assert.equal(few.verdict, 'too-few');
  assert.match(few.reason, /^3 test positive\(s\), fewer than the 10/);
  assert.equal(probeCheck(concept(null, 12, 0.5), 10).verdict, 'fail');
});
