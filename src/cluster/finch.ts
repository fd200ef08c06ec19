/**
 * FINCH — First Integer Neighbor Clustering Hierarchy (Sarfraz, Sharma & Stiefelhagen, CVPR 2019):
 * a parameter-free hierarchy from first neighbours alone.
 *
 * Level 0 links every point to its nearest other point and takes connected components. Each later
 * level replaces every cluster by the mean of its members' original vectors, links those means the
 * same way, and pushes the new labels down to the points. Labels are numbered by first appearance.
 * The hierarchy stops before a level that would have one cluster or no fewer clusters than the
 * previous one (that level is discarded), so the 1-cluster level is never returned (unless the
 * input itself forms one cluster at level 0).
 *
 * Rows are cast to float32 once; every distance is then computed in float64 (space.ts). FinchOptions
 * documents the variants and the early exit; gemm-search.ts explains how the first-neighbour search
 * runs on a float32 GEMM and still returns exactly the brute-force neighbours (ties → lowest index).
 */
import { NeurolensError } from '../errors.js';
import { clusterMessages } from '../messages/cluster.js';
import { linkNeighbours, minSimilarity } from './graph.js';
import { toMatrix, type Matrix } from './input.js';
import { firstNeighbours, type NeighbourSearch, type SearchContext } from './neighbours.js';
import { mergeToCount } from './requested.js';
import { meanSpace, pointSpace, type Metric } from './space.js';

export type FinchVariant = 'v0.2.1' | 'v0.2.2';

export interface FinchProgress {
  /** 'neighbours': first-neighbour search of a level; 'merge': steps towards `clusters`. */
  phase: 'neighbours' | 'merge';
  /** Hierarchy level (0 = the points themselves); for 'merge', the level merging starts from. */
  level: number;
  done: number;
  total: number;
}

export interface FinchOptions {
  /** Rows when `data` is a flat Float32Array (give rows, dims or both). Checked against number[][]. */
  rows?: number;
  /** Values per row when `data` is a flat Float32Array. Checked against number[][]. */
  dims?: number;
  /** Distance: 'cosine' (default; 1 − cosine similarity, clipped to [0, 2]) or 'euclidean'. */
  metric?: Metric;
  /**
   * Reference behaviour to follow. 'v0.2.1' (default): early exit on; a level that merges exactly
   * one pair (its count is one below the previous level's) is kept and ends the hierarchy.
   * 'v0.2.2': early exit off; such a level is discarded. (Without early exit every cluster links to
   * another, so a level at least halves the count and a one-pair level cannot occur: 'v0.2.2' then
   * equals 'v0.2.1' with `earlyExit: false`. The rule matters with `earlyExit: true`.)
   */
  variant?: FinchVariant;
  /**
   * Early exit (default: true for 'v0.2.1', false for 'v0.2.2'). After level 0, minSim = the
   * largest d(i,j)·w(i,j) over pairs with w > 0, where w(i,j) = [κ(i)=j] + [κ(j)=i] + [κ(i)=κ(j)];
   * at every later level the pairs with w > 0 and d·w > minSim are dropped before the components
   * are taken. `variant: 'v0.2.1', earlyExit: false` is the reference's "v0.2.1 without early exit".
   */
  earlyExit?: boolean;
  /**
   * Also return a partition with exactly this many clusters K (`requested`): a level's partition
   * when one has K clusters; the finest level when K is above its count; otherwise the coarsest
   * level (of the hierarchy above, early exit included) with more than K clusters, merged one pair
   * at a time — the closest pair of cluster means under `metric`, means recomputed from the
   * original vectors after each merge, ties → the lowest pair of labels. Always K clusters then.
   */
  clusters?: number;
  /**
   * First-neighbour search: 'auto' (default: brute force in float64 for small inputs, onnxruntime
   * GEMM with exact re-scoring above ~1.3·10⁸ multiply-adds), 'gemm' or 'exact'. Same result.
   */
  search?: NeighbourSearch;
  /** onnxruntime intra-op threads for the GEMM (default: all cores). */
  threads?: number;
  /** Called as work advances (the library never prints). */
  onProgress?: (progress: FinchProgress) => void;
}

export interface FinchResult {
  /** One label per row for each level, finest first; labels 0..k−1 numbered by first appearance. */
  partitions: Int32Array[];
  /** Clusters per level (counts[i] = number of distinct labels in partitions[i]). */
  counts: number[];
  /** The partition with `options.clusters` clusters, when asked for. */
  requested?: Int32Array;
}

const METRICS: readonly Metric[] = ['cosine', 'euclidean'];
const VARIANTS: readonly FinchVariant[] = ['v0.2.1', 'v0.2.2'];
const SEARCHES: readonly NeighbourSearch[] = ['auto', 'gemm', 'exact'];

function pick<T extends string>(option: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) throw new NeurolensError('usage', clusterMessages.badOption(option, value, allowed));
  return value;
}

function positive(option: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new NeurolensError('usage', clusterMessages.badCount(option, value));
}

/** Level 0 on the points themselves; with early exit, minSim is taken from this graph only. */
async function levelZero(matrix: Matrix, metric: Metric, earlyExit: boolean, context: SearchContext): Promise<{ labels: Int32Array; count: number; minSim?: number }> {
  if (matrix.rows === 1) return { labels: new Int32Array(1), count: 1 };
  const space = pointSpace(matrix, metric);
  const { kappa } = await firstNeighbours(space, context);
  const { labels, count } = linkNeighbours(kappa);
  // As the reference: no threshold for two points (they always form one cluster anyway).
  return earlyExit && space.n > 2 ? { labels, count, minSim: minSimilarity(kappa, space) } : { labels, count };
}

/**
 * Clusters the rows of `data` into a FINCH hierarchy. Rows are cast to float32, then every
 * distance is computed in float64. Deterministic: the same input gives the same partitions.
 */
export async function finch(data: Float32Array | readonly (readonly number[])[], options: FinchOptions = {}): Promise<FinchResult> {
  const metric = pick('metric', options.metric, METRICS, 'cosine');
  const variant = pick('variant', options.variant, VARIANTS, 'v0.2.1');
  const search = pick('search', options.search, SEARCHES, 'auto');
  const earlyExit = options.earlyExit ?? variant === 'v0.2.1';
  if (typeof earlyExit !== 'boolean') throw new NeurolensError('usage', clusterMessages.badFlag('earlyExit', earlyExit));
  positive('clusters', options.clusters);
  positive('threads', options.threads);
  const matrix = toMatrix(data, options.rows, options.dims);
  const context = (level: number): SearchContext => ({
    search,
    threads: options.threads,
    onBlock: (done, total) => options.onProgress?.({ phase: 'neighbours', level, done, total }),
  });

  const first = await levelZero(matrix, metric, earlyExit, context(0));
  const partitions = [first.labels];
  const counts = [first.count];
  const minSim = first.minSim;
  let current = first.labels;

  while (counts.at(-1)! > 1) {
    const previous = counts.at(-1)!;
    const space = meanSpace(matrix, current, previous, metric);
    const { kappa } = await firstNeighbours(space, context(partitions.length));
    const next = linkNeighbours(kappa, minSim === undefined ? undefined : { space, minSim });
    if (next.count === 1 || next.count >= previous) break;
    const onePair = previous - next.count === 1;
    if (onePair && variant === 'v0.2.2') break;
    current = current.map((c) => next.labels[c]!);
    partitions.push(current);
    counts.push(next.count);
    if (onePair) break;
  }

  const result: FinchResult = { partitions, counts };
  const k = options.clusters;
  if (k !== undefined) {
    const exact = counts.indexOf(k);
    if (exact >= 0) result.requested = partitions[exact]!.slice();
    else if (k > counts[0]!) result.requested = partitions[0]!.slice();
    else {
      let level = 0;
      while (level + 1 < counts.length && counts[level + 1]! >= k) level++;
      result.requested = await mergeToCount(matrix, partitions[level]!, counts[level]!, k, metric, (space) => firstNeighbours(space, context(level)), (done, total) =>
        options.onProgress?.({ phase: 'merge', level, done, total }),
      );
    }
  }
  return result;
}
