/**
 * How uncertain a probe's test AUC and accuracy are: 95 % intervals from a seeded percentile
 * bootstrap over the test split, never narrower than the Wilson score interval.
 *
 * - **Resampling** is stratified by label: each resample draws the test positives and the test
 *   negatives with replacement from their own class, so every resample has both classes (the AUC
 *   is always defined) and the class sizes the point estimate had.
 * - **Percentile**: the interval is the 2.5th and 97.5th percentiles of the resampled metric
 *   (linear interpolation between order statistics).
 * - **Wilson floor**: a bootstrap only reshuffles what the split shows, so a perfectly separated
 *   small split bootstraps to the point [1, 1] — the least trustworthy result would look the most
 *   certain. Each interval is therefore widened to at least the Wilson score interval of the
 *   metric read as a proportion: over the test images for accuracy; over the smaller class for
 *   the AUC, whose variance is at most AUC·(1 − AUC) / min(positives, negatives) whatever the
 *   score distributions. The point estimate always lies inside.
 *
 * Cost: the rows are sorted once; each resample is one pass (counts per row), so 1,000 resamples
 * of n rows take about 1,000 · n steps.
 */
import { Random } from '../util/random.js';

/** A closed interval [low, high]. */
export type Interval = [number, number];

/** 95 % intervals of the test metrics; null where the metric is undefined (no rows, or one class only for the AUC). */
export interface MetricIntervals {
  auc: Interval | null;
  accuracy: Interval | null;
}

/** Options of {@link bootstrapIntervals}. */
export interface BootstrapOptions {
  /** Bootstrap resamples of the test split (default 1,000). */
  resamples?: number;
  /** Seed of the resampling (default 0). */
  seed?: number;
  /** Widen each interval to at least the Wilson score interval (default true); false gives the bare percentile bootstrap. */
  wilsonFloor?: boolean;
}

/** Coverage of every interval. */
export const CONFIDENCE = 0.95;
/** Two-sided standard-normal quantile of {@link CONFIDENCE}. */
const Z = 1.959963984540054;

/** Wilson score interval of a proportion `p` observed on `n` trials (null when n = 0). */
export function wilsonInterval(p: number, n: number): Interval | null {
  if (!(n > 0)) return null;
  const z2 = Z * Z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (Z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** The q-quantile of ascending `sorted` values, interpolating linearly between order statistics. */
function quantile(sorted: Float64Array, q: number): number {
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (at - lo) * (sorted[hi]! - sorted[lo]!);
}

const union = (a: Interval | null, b: Interval | null): Interval | null =>
  a && b ? [Math.min(a[0], b[0]), Math.max(a[1], b[1])] : a ?? b;

/**
 * The test rows sorted by score, cut into tie groups once, so that each resample is one flat
 * pass: `order` (rows by ascending score), `groupEnd[g]` (one past the last position of tie group
 * g), and per row whether it is a positive and whether its thresholded prediction is right.
 */
interface Sorted {
  order: Int32Array;
  groupEnd: Int32Array;
  positive: Uint8Array;
  right: Uint8Array;
}

function sortRows(scores: Float64Array | Float32Array, labels: Uint8Array, threshold: number): Sorted {
  const n = labels.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]! || a - b);
  const ends: number[] = [];
  for (let k = 1; k <= n; k++) if (k === n || scores[order[k]!] !== scores[order[k - 1]!]) ends.push(k);
  const right = Uint8Array.from(scores, (v, i) => ((v >= threshold) === (labels[i] === 1) ? 1 : 0));
  return { order, groupEnd: Int32Array.from(ends), positive: labels, right };
}

/**
 * One ascending pass over the tie groups with each row weighted by `counts` (1 each when null):
 * the positive-over-negative wins (ties count half) and the correctly thresholded rows.
 */
function tally({ order, groupEnd, positive, right: correct }: Sorted, counts: Int32Array | null): { wins: number; right: number } {
  let below = 0;
  let wins = 0;
  let right = 0;
  let start = 0;
  for (let g = 0; g < groupEnd.length; g++) {
    const end = groupEnd[g]!;
    let pos = 0;
    let neg = 0;
    for (let k = start; k < end; k++) {
      const i = order[k]!;
      const weight = counts ? counts[i]! : 1;
      if (positive[i]) pos += weight;
      else neg += weight;
      if (correct[i]) right += weight;
    }
    wins += pos * (below + neg / 2);
    below += neg;
    start = end;
  }
  return { wins, right };
}

function percentile(values: Float64Array): Interval | null {
  if (values.length === 0 || Number.isNaN(values[0])) return null;
  const sorted = values.sort();
  return [quantile(sorted, (1 - CONFIDENCE) / 2), quantile(sorted, 1 - (1 - CONFIDENCE) / 2)];
}

/**
 * 95 % intervals of the AUC and the accuracy (score ≥ `threshold`) of `scores` against 0/1
 * `labels`, one entry per test row: stratified percentile bootstrap, widened to the Wilson
 * interval unless `wilsonFloor` is false. Deterministic for a given seed.
 */
export function bootstrapIntervals(scores: Float64Array | Float32Array, labels: Uint8Array, options: BootstrapOptions & { threshold?: number } = {}): MetricIntervals {
  const n = labels.length;
  if (n === 0) return { auc: null, accuracy: null };
  const resamples = options.resamples ?? 1000;
  const sorted = sortRows(scores, labels, options.threshold ?? 0.5);
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let i = 0; i < n; i++) (labels[i] ? positives : negatives).push(i);
  const P = positives.length;
  const N = negatives.length;
  const hasAuc = P > 0 && N > 0;
  const rng = new Random(options.seed ?? 0);
  const counts = new Int32Array(n);
  const aucs = new Float64Array(resamples);
  const accuracies = new Float64Array(resamples);
  for (let s = 0; s < resamples; s++) {
    counts.fill(0);
    for (let k = 0; k < P; k++) counts[positives[rng.int(P)]!]!++;
    for (let k = 0; k < N; k++) counts[negatives[rng.int(N)]!]!++;
    const { wins, right } = tally(sorted, counts);
    aucs[s] = hasAuc ? wins / (P * N) : NaN;
    accuracies[s] = right / n;
  }
  let auc = hasAuc ? percentile(aucs) : null;
  let accuracy = percentile(accuracies);
  if (options.wilsonFloor ?? true) {
    const observed = tally(sorted, null);
    if (hasAuc) auc = union(auc, wilsonInterval(observed.wins / (P * N), Math.min(P, N)));
    accuracy = union(accuracy, wilsonInterval(observed.right / n, n));
  }
  return { auc, accuracy };
}
