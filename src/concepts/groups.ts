/**
 * Neuron groups of a concept hierarchy (partitions finest first, e.g. from FINCH):
 *  - level 1: a cluster's group = the neurons active on ≥ minShare of its images;
 *  - level n ≥ 2: the intersection of its children's groups (children = level n−1 clusters in it);
 *  - difference neurons of a cluster = its group minus its parent's group.
 * Per group: size and specificity. An image *expresses* a group when at least minShare of the
 * group's neurons are active on it; inShare / outShare = share of the cluster's / other images
 * expressing it; specificity = inShare − outShare (−1…1, 0 = no preference).
 */
import { NeurolensError } from '../errors.js';
import { conceptMessages } from '../messages/index.js';
import type { ActiveSets } from './active.js';

export interface GroupStats {
  size: number;
  inShare: number;
  outShare: number;
  specificity: number;
}

export interface ConceptGroup {
  /** `L<level>.<label>`, level 1 = finest. */
  id: string;
  level: number;
  label: number;
  parent: string | null;
  children: string[];
  images: number[];
  neurons: number[];
  differenceNeurons: number[];
  stats: GroupStats;
}

export interface GroupOptions {
  /** Share of a cluster's images a neuron must be active on to join a level-1 group. Default 0.5. */
  minShare?: number;
}

export const clusterId = (level: number, label: number) => `L${level}.${label}`;

function membersByLabel(partition: Int32Array): number[][] {
  const members: number[][] = [];
  partition.forEach((label, i) => (members[label] ??= []).push(i));
  return members;
}

/** Parent label at the next level for each cluster; throws when partitions do not nest. */
function parentsOf(members: number[][], coarser: Int32Array, level: number): number[] {
  return members.map((images) => {
    const parent = coarser[images[0]!]!;
    if (images.some((i) => coarser[i] !== parent)) throw new NeurolensError('input', conceptMessages.notNested(level));
    return parent;
  });
}

function intersect(a: readonly number[], b: readonly number[]): number[] {
  const set = new Set(b);
  return a.filter((x) => set.has(x));
}

/** Scratch space for counting, per image, how many of a group's neurons are active on it. */
class Expression {
  private readonly counts: Int32Array;
  private readonly touched: Int32Array;

  constructor(private readonly active: ActiveSets) {
    this.counts = new Int32Array(active.images);
    this.touched = new Int32Array(active.images);
  }

  stats(neurons: readonly number[], images: readonly number[], minShare: number): GroupStats {
    const total = this.active.images;
    if (neurons.length === 0) return { size: 0, inShare: 0, outShare: 0, specificity: 0 };
    const need = Math.max(1, Math.ceil(minShare * neurons.length - 1e-9));
    let touchedCount = 0;
    for (const c of neurons) {
      for (const i of this.active.postings[c]!) {
        if (this.counts[i] === 0) this.touched[touchedCount++] = i;
        this.counts[i]!++;
      }
    }
    let inside = 0;
    for (const i of images) if (this.counts[i]! >= need) inside++;
    let all = 0;
    for (let t = 0; t < touchedCount; t++) {
      const i = this.touched[t]!;
      if (this.counts[i]! >= need) all++;
      this.counts[i] = 0;
    }
    const inShare = inside / images.length;
    const others = total - images.length;
    const outShare = others > 0 ? (all - inside) / others : 0;
    return { size: neurons.length, inShare, outShare, specificity: inShare - outShare };
  }
}

/** Groups for every level; `levels[0]` is the finest. */
export function neuronGroups(active: ActiveSets, partitions: readonly Int32Array[], options: GroupOptions = {}): ConceptGroup[][] {
  const minShare = options.minShare ?? 0.5;
  if (partitions.some((p) => p.length !== active.images)) throw new NeurolensError('input', conceptMessages.partitionSize(active.images));
  const members = partitions.map(membersByLabel);
  const parents = members.map((m, l) => (l + 1 < partitions.length ? parentsOf(m, partitions[l + 1]!, l + 1) : m.map(() => -1)));
  const counts = new Int32Array(active.channels);
  const levels: ConceptGroup[][] = [];
  members.forEach((clusters, l) => {
    const level = l + 1;
    levels.push(
      clusters.map((images, label) => {
        let neurons: number[];
        if (l === 0) {
          counts.fill(0);
          for (const i of images) for (const c of active.byImage[i]!) counts[c]!++;
          neurons = [];
          for (let c = 0; c < active.channels; c++) if (counts[c]! >= minShare * images.length - 1e-9) neurons.push(c);
        } else {
          const childLabels = parents[l - 1]!.flatMap((p, child) => (p === label ? [child] : []));
          neurons = childLabels.map((child) => levels[l - 1]![child]!.neurons).reduce((acc, g) => intersect(acc, g));
        }
        return {
          id: clusterId(level, label),
          level,
          label,
          parent: parents[l]![label]! >= 0 ? clusterId(level + 1, parents[l]![label]!) : null,
          children: l === 0 ? [] : parents[l - 1]!.flatMap((p, child) => (p === label ? [clusterId(level - 1, child)] : [])),
          images,
          neurons,
          differenceNeurons: [],
          stats: { size: neurons.length, inShare: 0, outShare: 0, specificity: 0 },
        };
      }),
    );
  });
  const expression = new Expression(active);
  levels.forEach((groups, l) => {
    for (const group of groups) {
      if (l + 1 < levels.length) {
        const parent = new Set(levels[l + 1]![parents[l]![group.label]!]!.neurons);
        group.differenceNeurons = group.neurons.filter((c) => !parent.has(c));
      }
      group.stats = expression.stats(group.neurons, group.images, minShare);
    }
  });
  return levels;
}
