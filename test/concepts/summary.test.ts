import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupSummary } from '../../src/concepts/summary.js';
import type { ConceptCluster } from '../../src/concepts/types.js';

const chance: ConceptCluster['chance'] = { size: { mean: 3.14, sd: 1.2 }, specificity: { mean: 0.02, sd: 0.01 }, draws: 20, seed: 0 };
const stats = (size: number, specificity: number) => ({ size, inShare: specificity, outShare: 0, specificity });

test('group summary: an empty intersection says "no shared neurons", never "group 0 neurons (chance 0) · specificity 0"', () => {
  const root = { stats: stats(0, 0), chance: { ...chance, size: { mean: 0, sd: 0 } }, parent: null, differenceNeurons: [] };
  assert.equal(groupSummary(root), 'no shared neurons');
  assert.equal(groupSummary(root, { detailed: true }), 'no shared neurons');
  // A child of an empty level: its difference neurons are its whole group, and are counted.
  const child = { stats: stats(4, 0.5), chance, parent: 'L3.0', differenceNeurons: [1, 4, 7, 9] };
  assert.equal(groupSummary(child), 'group 4 neurons (chance 3.1) · specificity 0.50 · 4 difference neurons (not in the parent\'s group)');
  assert.equal(groupSummary(child, { detailed: true }), 'group 4 neurons (chance 3.1±1.2) · specificity 0.50 (chance 0.02) · 4 difference neurons (not in the parent\'s group)');
  // An empty group under a parent has no difference neurons either; one difference neuron is singular.
  assert.equal(groupSummary({ ...root, parent: 'L2.0' }), 'no shared neurons');
  assert.match(groupSummary({ ...child, differenceNeurons: [3] }), / · 1 difference neuron \(not/);
  assert.doesNotMatch(groupSummary({ ...child, differenceNeurons: [] }), /difference/);
});
