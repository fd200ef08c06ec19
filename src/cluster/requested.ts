/**
 * FINCH's requested cluster count: starting from a partition with more than K clusters, merge the
 * single closest pair of cluster means (means of the members' original vectors, recomputed after
 * every merge) until K remain. Exactly one pair per step; ties → the pair (a, b), a < b, with the
 * lowest a, then the lowest b. Labels stay numbered by first appearance: merging b into a (a < b)
 * keeps the relative order of all other clusters, so slot order is label order throughout.
 *
 * Each cluster keeps its nearest other cluster (nn, nnd). When a merge removes a cluster's nearest,
 * its nnd turns into a lower bound (every other cluster was at least that far, and the distance to
 * the merged cluster is computed) and the row is rescanned only once it reaches the front — the
 * lazy scheme of Müllner's generic linkage algorithm. The first exact row at the front, ordered by
 * (distance, index), is then the closest pair with the lowest index. Cost per step: one O(m·dims)
 * pass against the new mean, plus a rescan for each stale row that comes up.
 */
import type { Matrix } from './input.js';
import type { Neighbours } from './exact.js';
import { clusterSums, dot, meansOf, Space, type Metric } from './space.js';

export async function mergeToCount(
  m: Matrix,
  labels: Int32Array,
  count: number,
  target: number,
  metric: Metric,
  neighbours: (space: Space) => Promise<Neighbours>,
  onStep?: (done: number, total: number) => void,
): Promise<Int32Array> {
  const d = m.dims;
  const { sums, sizes } = clusterSums(m, labels, count);
  const space = new Space(metric, meansOf(sums, sizes, d), count, d);
  const { kappa: nn, dist: nnd } = await neighbours(space);
  const alive = new Uint8Array(count).fill(1);
  /** 1 when nnd[c] is only a lower bound (c's nearest was merged away). */
  const stale = new Uint8Array(count);
  const parentOf = new Int32Array(count);
  for (let c = 0; c < count; c++) parentOf[c] = c;

  const rescan = (i: number): void => {
    let best = Infinity;
    let arg = -1;
    for (let j = 0; j < count; j++) {
      if (j === i || !alive[j]) continue;
      const dd = space.dist(i, j);
      if (dd < best) {
        best = dd;
        arg = j;
      }
    }
    nn[i] = arg;
    nnd[i] = best;
    stale[i] = 0;
  };
  const front = (): number => {
    let a = -1;
    for (let c = 0; c < count; c++) if (alive[c] && (a < 0 || nnd[c]! < nnd[a]!)) a = c;
    return a;
  };

  const steps = count - target;
  for (let step = 0; step < steps; step++) {
    let a = front();
    while (stale[a]) {
      rescan(a);
      a = front();
    }
    let b = nn[a]!;
    if (b < a) [a, b] = [b, a]; // cannot happen (b would be at the front first); kept for safety
    alive[b] = 0;
    parentOf[b] = a;
    sizes[a]! += sizes[b]!;
    for (let k = 0; k < d; k++) {
      sums[a * d + k]! += sums[b * d + k]!;
      space.vec[a * d + k] = sums[a * d + k]! / sizes[a]!;
    }
    refreshRow(space, a);
    let best = Infinity;
    let arg = -1;
    for (let c = 0; c < count; c++) {
      if (!alive[c] || c === a) continue;
      const dd = space.dist(a, c);
      if (dd < best) {
        best = dd;
        arg = c;
      }
      if (stale[c] || nn[c] === a || nn[c] === b) {
        // Every other cluster is at least nnd[c] away: the new one is c's nearest only if closer.
        if (dd < nnd[c]!) {
          nn[c] = a;
          nnd[c] = dd;
          stale[c] = 0;
        } else stale[c] = 1;
      } else if (dd < nnd[c]! || (dd === nnd[c]! && a < nn[c]!)) {
        nn[c] = a;
        nnd[c] = dd;
      }
    }
    nn[a] = arg;
    nnd[a] = best;
    stale[a] = 0;
    onStep?.(step + 1, steps);
  }

  // Relabel: each point's cluster → its surviving slot → first-appearance number.
  const root = (c: number): number => {
    while (parentOf[c] !== c) c = parentOf[c]!;
    return c;
  };
  const number = new Int32Array(count).fill(-1);
  let next = 0;
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const r = root(labels[i]!);
    if (number[r] === -1) number[r] = next++;
    out[i] = number[r]!;
  }
  return out;
}

/** Re-derives a row's cached form (normalised for cosine, squared norm for euclidean) after its mean changed. */
function refreshRow(space: Space, i: number): void {
  const d = space.dims;
  const o = i * d;
  if (space.metric === 'cosine') {
    const norm = Math.sqrt(dot(space.vec, o, space.vec, o, d));
    if (norm > 0) for (let k = 0; k < d; k++) space.vec[o + k] = space.vec[o + k]! / norm;
  } else {
    space.sq[i] = dot(space.vec, o, space.vec, o, d);
  }
}
