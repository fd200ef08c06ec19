/**
 * Brute-force first neighbours in float64: κ(i) = argmin over j ≠ i of d(i, j), ties → lowest j.
 * Each pair is scored once (d is symmetric to the bit) and offered to both rows; every row still
 * sees its candidates in ascending index order, so a strict `<` keeps the lowest index on ties.
 */
import type { Space } from './space.js';

export interface Neighbours {
  /** κ(i), or −1 when there is no other point. */
  kappa: Int32Array;
  /** d(i, κ(i)). */
  dist: Float64Array;
}

export function exactNeighbours(space: Space): Neighbours {
  const n = space.n;
  const kappa = new Int32Array(n).fill(-1);
  const dist = new Float64Array(n).fill(Infinity);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = space.dist(i, j);
      if (d < dist[i]!) {
        dist[i] = d;
        kappa[i] = j;
      }
      if (d < dist[j]!) {
        dist[j] = d;
        kappa[j] = i;
      }
    }
  }
  return { kappa, dist };
}
