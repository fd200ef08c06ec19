/**
 * Chance baseline for neuron groups: the same hierarchy with images shuffled — every level keeps
 * its cluster sizes and nesting — regrouped 20 times (seeded). A group whose size or specificity
 * is not clearly above these draws is no more than chance.
 */
import { Random } from '../util/random.js';
import type { ActiveSets } from './active.js';
import { neuronGroups, type GroupOptions } from './groups.js';

export interface Moments {
  mean: number;
  sd: number;
}

export interface ChanceStats {
  size: Moments;
  specificity: Moments;
  draws: number;
  seed: number;
}

function moments(values: readonly number[]): Moments {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, sd: Math.sqrt(variance) };
}

/** chance[level][label] for every cluster of `partitions`. */
export function chanceBaseline(
  active: ActiveSets,
  partitions: readonly Int32Array[],
  options: GroupOptions & { draws?: number; seed?: number } = {},
): ChanceStats[][] {
  const draws = options.draws ?? 20;
  const seed = options.seed ?? 0;
  const sizes: number[][][] = partitions.map(() => []);
  const specificities: number[][][] = partitions.map(() => []);
  for (let d = 0; d < draws; d++) {
    const order = new Random(seed + d).shuffle(Array.from({ length: active.images }, (_, i) => i));
    const shuffled = partitions.map((p) => Int32Array.from(order, (from) => p[from]!));
    neuronGroups(active, shuffled, options).forEach((groups, l) => {
      groups.forEach((g, label) => {
        (sizes[l]![label] ??= []).push(g.stats.size);
        (specificities[l]![label] ??= []).push(g.stats.specificity);
      });
    });
  }
  return sizes.map((level, l) => level.map((s, label) => ({ size: moments(s), specificity: moments(specificities[l]![label]!), draws, seed })));
}
