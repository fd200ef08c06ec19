/**
 * FINCH's requested cluster count: starting from a partition with more than K clusters, merge the
 * single closest pair of cluster means (means of the members' original vectors, recomputed after
 * every merge) until K remain. Exactly one pair per step; ties → the pair (a, b), a < b, with the
 * lowest a, then the lowest b. Labels stay numbered by first appearance: merging b into a (a < b)
 * keeps the relative order of all other clusters, so slot order is label order throughout.
 *
 * Each cluster keeps its nearest other cluster (nn, nnd). After a merge only the merged cluster's
 * row is rescanned in full, plus rows whose nearest was one of the two merged clusters; every other
 * row just compares against the new mean. Cost per step: O(m·dims·(1 + affected rows)).
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
  };

  const steps = count - target;
  for (let step = 0; step < steps; step++) {
    let a = -1;
    for (let c = 0; c < count; c++) if (alive[c] && (a < 0 || nnd[c]! < nnd[a]!)) a = c;
    // a is the lowest cluster at the minimal distance and nn[a] its lowest partner at it; the
    // pair's other end cannot be lower than a (it would be at the same distance with a lower index).
    let b = nn[a]!;
    if (b < a) [a, b] = [b, a];
    alive[b] = 0;
    parentOf[b] = a;
    sizes[a]! += sizes[b]!;
    for (let k = 0; k < d; k++) {
      sums[a * d + k]! += sums[b * d + k]!;
      space.vec[a * d + k] = sums[a * d + k]! / sizes[a]!;
    }
    refreshRow(space, a);
    const stale: number[] = [];
    let best = Infinity;
    let arg = -1;
    for (let c = 0; c < count; c++) {
      if (!alive[c] || c === a) continue;
      const dd = space.dist(a, c);
      if (dd < best) {
        best = dd;
        arg = c;
      }
      if (nn[c] === a || nn[c] === b) stale.push(c);
      else if (dd < nnd[c]! || (dd === nnd[c]! && a < nn[c]!)) {
        nn[c] = a;
        nnd[c] = dd;
      }
    }
    nn[a] = arg;
    nnd[a] = best;
    for (const c of stale) rescan(c);
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
