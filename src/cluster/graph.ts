/**
 * FINCH's linking step: given first neighbours κ, join i–κ(i) for every i and take connected
 * components, labelled by first appearance (scanning nodes 0..n−1).
 *
 * With early exit, FINCH weighs each pair by w(i,j) = [κ(i)=j] + [κ(j)=i] + [κ(i)=κ(j)] (the
 * off-diagonal of (A+I)(A+I)ᵀ for the first-neighbour matrix A), so w is 2 for mutual neighbours,
 * 1 for a one-way link or for two siblings (points sharing a first neighbour), 0 otherwise. Pairs
 * with w > 0 and d·w > minSim are dropped before the components are taken; sibling pairs count as
 * edges too, which only matters once pruning has cut a point from the neighbour they share.
 */
import type { Space } from './space.js';

export interface Partition {
  /** Label per node, 0..count−1, numbered by first appearance. */
  labels: Int32Array;
  count: number;
}

class UnionFind {
  private readonly parent: Int32Array;

  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }

  find(i: number): number {
    const p = this.parent;
    while (p[i] !== i) {
      p[i] = p[p[i]!]!; // path halving
      i = p[i]!;
    }
    return i;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }

  /** Components numbered by the first node (in index order) that belongs to each. */
  partition(): Partition {
    const n = this.parent.length;
    const labels = new Int32Array(n);
    const byRoot = new Int32Array(n).fill(-1);
    let count = 0;
    for (let i = 0; i < n; i++) {
      const r = this.find(i);
      if (byRoot[r] === -1) byRoot[r] = count++;
      labels[i] = byRoot[r]!;
    }
    return { labels, count };
  }
}

/** Children of each node (the points whose first neighbour it is), as CSR arrays. */
function childrenOf(kappa: Int32Array): { start: Int32Array; list: Int32Array } {
  const n = kappa.length;
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[kappa[i]! + 1]!++;
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, n);
  const list = new Int32Array(n);
  for (let i = 0; i < n; i++) list[fill[kappa[i]!]!++] = i; // ascending within each hub
  return { start, list };
}

/** Weight of the link i–κ(i): 2 for mutual first neighbours, else 1. */
function linkWeight(kappa: Int32Array, i: number): number {
  return kappa[kappa[i]!] === i ? 2 : 1;
}

/** Components of the first-neighbour graph; with `prune`, pairs with d·w > minSim are dropped. */
export function linkNeighbours(kappa: Int32Array, prune?: { space: Space; minSim: number }): Partition {
  const n = kappa.length;
  const uf = new UnionFind(n);
  if (!prune) {
    for (let i = 0; i < n; i++) uf.union(i, kappa[i]!);
    return uf.partition();
  }
  const { space, minSim } = prune;
  for (let i = 0; i < n; i++) {
    if (space.dist(i, kappa[i]!) * linkWeight(kappa, i) <= minSim) uf.union(i, kappa[i]!);
  }
  // Sibling pairs (w = 1). Skipping pairs already connected changes nothing about the components
  // and saves most distance evaluations: usually every child is still joined to its hub.
  const { start, list } = childrenOf(kappa);
  for (let h = 0; h < n; h++) {
    for (let a = start[h]!; a < start[h + 1]!; a++) {
      for (let b = a + 1; b < start[h + 1]!; b++) {
        const p = list[a]!;
        const q = list[b]!;
        if (uf.find(p) !== uf.find(q) && space.dist(p, q) <= minSim) uf.union(p, q);
      }
    }
  }
  return uf.partition();
}

/** FINCH's early-exit threshold: the largest d(i,j)·w(i,j) over pairs with w > 0. */
export function minSimilarity(kappa: Int32Array, space: Space): number {
  const n = kappa.length;
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, space.dist(i, kappa[i]!) * linkWeight(kappa, i));
  const { start, list } = childrenOf(kappa);
  for (let h = 0; h < n; h++) {
    for (let a = start[h]!; a < start[h + 1]!; a++) {
      for (let b = a + 1; b < start[h + 1]!; b++) max = Math.max(max, space.dist(list[a]!, list[b]!));
    }
  }
  return max;
}
