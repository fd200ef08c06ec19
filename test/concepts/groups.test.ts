import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeSets } from '../../src/concepts/active.js';
import { neuronGroups } from '../../src/concepts/groups.js';
import { chanceBaseline } from '../../src/concepts/chance.js';
import { NeurolensError } from '../../src/errors.js';
import { Random } from '../../src/util/random.js';

/**
 * 200 images × 40 neurons, 4 level-1 clusters of 50 images nested in 2 level-2 clusters.
 * Neurons 0–3 fire on all images of parent A (clusters 0, 1), 8–11 on parent B (clusters 2, 3);
 * each cluster also has two neurons of its own (4–5, 6–7, 12–13, 14–15). Everything else is noise.
 */
function planted() {
  const images = 200;
  const channels = 40;
  const rng = new Random(5);
  const level1 = Int32Array.from({ length: images }, (_, i) => Math.floor(i / 50));
  const level2 = Int32Array.from(level1, (c) => (c < 2 ? 0 : 1));
  const own = [[4, 5], [6, 7], [12, 13], [14, 15]];
  const shared = [[0, 1, 2, 3], [8, 9, 10, 11]];
  const matrix = new Float32Array(images * channels);
  for (let i = 0; i < images; i++) {
    for (let c = 0; c < channels; c++) matrix[i * channels + c] = rng.normal();
    for (const c of shared[level2[i]!]!) matrix[i * channels + c] = 5 + 0.1 * rng.normal();
    for (const c of own[level1[i]!]!) matrix[i * channels + c] = 6 + 0.1 * rng.normal();
  }
  return { images, channels, matrix, partitions: [level1, level2] };
}

test('active sets: top fraction per image (ties to lower channel) and per-neuron quantile', () => {
  const matrix = Float32Array.from([
    1, 5, 5, 0, // image 0: channels 1 and 2 tie at the top
    9, 1, 2, 3, // image 1
    0, 0, 7, 8, // image 2
  ]);
  const top = activeSets(matrix, 3, 4, { kind: 'top-frac', fraction: 0.25 });
  assert.deepEqual(top.byImage.map((a) => Array.from(a)), [[1], [0], [3]]);
  assert.deepEqual(top.postings.map((p) => Array.from(p)), [[1], [0], [], [2]]);
  const q = activeSets(matrix, 3, 4, { kind: 'quantile', q: 0.5 });
  // Medians per channel: 1, 1, 5, 3 → active when strictly above.
  assert.deepEqual(q.byImage.map((a) => Array.from(a)), [[1], [0], [2, 3]]);
});

test('planted groups: level-1 groups, parents as intersections, difference neurons, specificity', () => {
  const { images, channels, matrix, partitions } = planted();
  // Top 15 % of 40 = exactly the 6 planted neurons of each image.
  const active = activeSets(matrix, images, channels, { kind: 'top-frac', fraction: 0.15 });
  const levels = neuronGroups(active, partitions, { minShare: 0.5 });
  assert.equal(levels.length, 2);
  const [fine, coarse] = levels as [ReturnType<typeof neuronGroups>[0], ReturnType<typeof neuronGroups>[0]];
  assert.deepEqual(fine.map((g) => g.neurons), [[0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 6, 7], [8, 9, 10, 11, 12, 13], [8, 9, 10, 11, 14, 15]]);
  assert.deepEqual(coarse.map((g) => g.neurons), [[0, 1, 2, 3], [8, 9, 10, 11]]);
  assert.deepEqual(fine.map((g) => g.differenceNeurons), [[4, 5], [6, 7], [12, 13], [14, 15]]);
  assert.deepEqual(coarse.map((g) => g.differenceNeurons), [[], []]);
  assert.deepEqual(fine.map((g) => g.parent), ['L2.0', 'L2.0', 'L2.1', 'L2.1']);
  assert.deepEqual(coarse.map((g) => g.children), [['L1.0', 'L1.1'], ['L1.2', 'L1.3']]);
  // Cluster 0's group {0..5}: all its images express it; so do its sibling's (4 of 6 ≥ half), others do not.
  assert.deepEqual(fine[0]!.stats, { size: 6, inShare: 1, outShare: 50 / 150, specificity: 1 - 50 / 150 });
  assert.deepEqual(coarse[1]!.stats, { size: 4, inShare: 1, outShare: 0, specificity: 1 });
});

test('chance baseline: shuffled hierarchies give small, unspecific groups; reproducible from the seed', () => {
  const { images, channels, matrix, partitions } = planted();
  const active = activeSets(matrix, images, channels, { kind: 'top-frac', fraction: 0.15 });
  const real = neuronGroups(active, partitions);
  const chance = chanceBaseline(active, partitions, { draws: 20, seed: 3 });
  chance.forEach((level, l) => {
    level.forEach((cluster, label) => {
      // Half of all images carry each shared neuron, so random clusters still pick some up (size),
      // but none of them prefers its own images (specificity ≈ 0, far below the planted groups).
      assert.ok(cluster.size.mean < real[l]![label]!.stats.size, `chance size ${cluster.size.mean}`);
      assert.ok(Math.abs(cluster.specificity.mean) < 0.2, `chance specificity ${cluster.specificity.mean}`);
      assert.ok(real[l]![label]!.stats.specificity > 0.6);
      assert.equal(cluster.draws, 20);
    });
  });
  assert.deepEqual(chanceBaseline(active, partitions, { draws: 20, seed: 3 }), chance);
  assert.notDeepEqual(chanceBaseline(active, partitions, { draws: 20, seed: 4 }), chance);
});

test('partitions that do not nest or do not cover the run are refused', () => {
  const { images, channels, matrix } = planted();
  const active = activeSets(matrix, images, channels, { kind: 'top-frac', fraction: 0.1 });
  const fine = Int32Array.from({ length: images }, (_, i) => i % 4);
  const notNested = Int32Array.from({ length: images }, (_, i) => (i < 100 ? 0 : 1));
  assert.throws(() => neuronGroups(active, [fine, notNested]), (e: unknown) => e instanceof NeurolensError && /not nested/.test(e.message));
  assert.throws(() => neuronGroups(active, [new Int32Array(10)]), (e: unknown) => e instanceof NeurolensError && /all 200 images/.test(e.message));
});
