/**
 * Concept activation vectors: the direction, in a layer's pooled (mean) activation space, that
 * separates a set of images from a set of counter-examples. The classifier is the probes'
 * multi-neuron logistic probe (src/probes), fitted on standardised activations; its weights w are
 * mapped back to raw activations (w_j / std_j: the normal of the same decision boundary in the
 * recorded units the gradients are taken in) and scaled to unit length.
 */
import { trainLogistic } from '../probes/logistic.js';
import { stratifiedSplit } from '../probes/split.js';
import { standardiser } from '../probes/standardise.js';
import type { Matrix } from '../probes/types.js';
import { Random } from '../util/random.js';

/** Share of each set held out to measure the CAV's accuracy (the direction is fitted on the rest). */
export const CAV_TEST_SHARE = 0.2;

/** One fitted CAV. */
export interface Cav {
  /** Unit vector over the layer's neurons in raw pooled activations (all zeros when the fit found no direction). */
  direction: Float64Array;
  /** Accuracy of the probe on its held-out rows. */
  accuracy: number;
}

/**
 * Fits the CAV of `positives` against `negatives` (run image indices, disjoint) on the pooled
 * activations X (images × neurons). `seed` seeds the held-out split.
 */
export function trainCav(X: Matrix, positives: readonly number[], negatives: readonly number[], seed: number): Cav {
  const rows = [...positives, ...negatives];
  const cols = X.cols;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => data.set(X.data.subarray(r * cols, (r + 1) * cols), i * cols));
  const sub: Matrix = { data, rows: rows.length, cols };
  const y = new Uint8Array(rows.length);
  y.fill(1, 0, positives.length);
  const split = stratifiedSplit(y, { test: CAV_TEST_SHARE, validation: 0, seed });
  const scale = standardiser(sub, split.train);
  const fit = trainLogistic(scale.apply(sub), y, split, { standardise: false, earlyStopping: false });
  const direction = new Float64Array(cols);
  let norm = 0;
  for (let j = 0; j < cols; j++) {
    direction[j] = fit.weights[j]! / scale.std[j]!;
    norm += direction[j]! * direction[j]!;
  }
  norm = Math.sqrt(norm);
  if (norm > 0) for (let j = 0; j < cols; j++) direction[j]! /= norm;
  return { direction, accuracy: fit.metrics.test.accuracy };
}

/** The seeded random image sets of one TCAV run. */
export interface RandomSets {
  /** Counter-example sets: concept CAV i is a concept vs sets[i] (minus the concept's own images). */
  sets: number[][];
  /** Random "concepts": null CAV i is bases[i] vs sets[i] (disjoint), so the null CAVs are independent draws. */
  bases: number[][];
}

/**
 * `count` pairs of disjoint random sets of `size` run images each (sorted), one shuffle of all
 * `images` per pair. Needs 2·size ≤ images.
 */
export function drawRandomSets(images: number, size: number, count: number, seed: number): RandomSets {
  const rng = new Random(seed);
  const all = Array.from({ length: images }, (_, i) => i);
  const sets: number[][] = [];
  const bases: number[][] = [];
  for (let i = 0; i < count; i++) {
    const order = rng.shuffle(all.slice());
    sets.push(order.slice(0, size).sort((a, b) => a - b));
    bases.push(order.slice(size, 2 * size).sort((a, b) => a - b));
  }
  return { sets, bases };
}
