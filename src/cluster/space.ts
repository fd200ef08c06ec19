/**
 * The exact (float64) geometry FINCH decides with: a set of vectors and the distance between two
 * of them. Every decision — first neighbours, ties, pruning, merges — goes through `dist`, so the
 * brute-force and the GEMM-accelerated neighbour searches agree bit for bit.
 *
 * - cosine: rows are L2-normalised in float64 (a zero row stays zero, so its distance to anything
 *   is 1); d = clip(1 − x̂·ŷ, 0, 2).
 * - euclidean: d = sqrt(max(‖x‖² + ‖y‖² − 2x·y, 0)) with ‖·‖² precomputed. The two norms are added
 *   first so that d(i, j) and d(j, i) are the same double (mutual-neighbour tests rely on it).
 *
 * The dot product keeps four partial sums in a fixed pattern; products commute, so x·y and y·x
 * round identically.
 */
import type { Matrix } from './input.js';

export type Metric = 'cosine' | 'euclidean';

export function dot(a: Float64Array, ai: number, b: Float64Array, bi: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < d; k += 4) {
    s0 += a[ai + k]! * b[bi + k]!;
    s1 += a[ai + k + 1]! * b[bi + k + 1]!;
    s2 += a[ai + k + 2]! * b[bi + k + 2]!;
    s3 += a[ai + k + 3]! * b[bi + k + 3]!;
  }
  for (; k < d; k++) s0 += a[ai + k]! * b[bi + k]!;
  return (s0 + s1) + (s2 + s3);
}

export class Space {
  /** Squared norms (euclidean only; empty for cosine). */
  readonly sq: Float64Array;

  constructor(
    readonly metric: Metric,
    /** n × dims, row-major: normalised rows (cosine) or the raw rows (euclidean), in float64. */
    readonly vec: Float64Array,
    readonly n: number,
    readonly dims: number,
  ) {
    if (metric === 'cosine') {
      this.sq = new Float64Array(0);
      for (let i = 0; i < n; i++) {
        const o = i * dims;
        const norm = Math.sqrt(dot(vec, o, vec, o, dims));
        if (norm > 0) for (let k = 0; k < dims; k++) vec[o + k] = vec[o + k]! / norm;
      }
    } else {
      this.sq = new Float64Array(n);
      for (let i = 0; i < n; i++) this.sq[i] = dot(vec, i * dims, vec, i * dims, dims);
    }
  }

  dist(i: number, j: number): number {
    const d = this.dims;
    const p = dot(this.vec, i * d, this.vec, j * d, d);
    if (this.metric === 'cosine') {
      const c = 1 - p;
      return c < 0 ? 0 : c > 2 ? 2 : c;
    }
    const s = this.sq[i]! + this.sq[j]! - 2 * p;
    return s > 0 ? Math.sqrt(s) : 0;
  }
}

/** The data points themselves (float32 values widened to float64). */
export function pointSpace(m: Matrix, metric: Metric): Space {
  return new Space(metric, Float64Array.from(m.data), m.rows, m.dims);
}

/**
 * One vector per cluster: the mean of its members' ORIGINAL vectors (never a mean of means),
 * summed in point order in float64. `labels` are 0..count−1.
 */
export function meanSpace(m: Matrix, labels: Int32Array, count: number, metric: Metric): Space {
  const { sums, sizes } = clusterSums(m, labels, count);
  return new Space(metric, meansOf(sums, sizes, m.dims), count, m.dims);
}

export function clusterSums(m: Matrix, labels: Int32Array, count: number): { sums: Float64Array; sizes: Int32Array } {
  const d = m.dims;
  const sums = new Float64Array(count * d);
  const sizes = new Int32Array(count);
  for (let i = 0; i < m.rows; i++) {
    const c = labels[i]!;
    sizes[c]!++;
    const o = c * d;
    const p = i * d;
    for (let k = 0; k < d; k++) sums[o + k] += m.data[p + k]!;
  }
  return { sums, sizes };
}

export function meansOf(sums: Float64Array, sizes: Int32Array, d: number): Float64Array {
  const out = new Float64Array(sums.length);
  for (let c = 0; c < sizes.length; c++) {
    for (let k = 0; k < d; k++) out[c * d + k] = sums[c * d + k]! / sizes[c]!;
  }
  return out;
}
