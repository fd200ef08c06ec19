/**
 * Test-split metrics of a probe — accuracy (threshold 0.5), balanced accuracy and ROC-AUC with
 * ties counted half — and the majority-class baseline.
 */
import type { Baselines, ProbeMetrics, Split } from './types.js';

/**
 * Average ranks (1-based) of `values`: tied values share the mean of the ranks they span, so a
 * rank-sum AUC counts a tied positive/negative pair as half. Deterministic (typed-array sort).
 */
export function averageRanks(values: Float64Array | Float32Array): Float64Array {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    // lower bound: first index with sorted[k] >= v; upper bound: first with sorted[k] > v
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (sorted[m]! < v) lo = m + 1;
      else hi = m;
    }
    let up = lo;
    hi = n;
    while (up < hi) {
      const m = (up + hi) >>> 1;
      if (sorted[m]! <= v) up = m + 1;
      else hi = m;
    }
    ranks[i] = (lo + 1 + up) / 2;
  }
  return ranks;
}

/** AUC from the rank sum of the positives: (R+ − P(P+1)/2) / (P·N); NaN when P or N is 0. */
export function aucFromRankSum(rankSum: number, positives: number, negatives: number): number {
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Accuracy and balanced accuracy from confusion counts (tp of P positives, tn of N negatives). */
export function rates(tp: number, tn: number, positives: number, negatives: number): { accuracy: number; balancedAccuracy: number } {
  const count = positives + negatives;
  if (count === 0) return { accuracy: NaN, balancedAccuracy: NaN };
  const recalls: number[] = [];
  if (positives > 0) recalls.push(tp / positives);
  if (negatives > 0) recalls.push(tn / negatives);
  return { accuracy: (tp + tn) / count, balancedAccuracy: recalls.reduce((a, b) => a + b, 0) / recalls.length };
}

/**
 * Metrics of probability `scores` against 0/1 `labels` (same length): accuracy and balanced
 * accuracy of score ≥ 0.5, ROC-AUC by average ranks (NaN when one class is absent).
 */
export function metrics(scores: Float64Array | Float32Array, labels: Uint8Array): ProbeMetrics {
  const n = labels.length;
  let positives = 0;
  let tp = 0;
  let tn = 0;
  for (let i = 0; i < n; i++) {
    const predicted = scores[i]! >= 0.5;
    if (labels[i]) {
      positives++;
      if (predicted) tp++;
    } else if (!predicted) tn++;
  }
  const negatives = n - positives;
  let auc = NaN;
  if (positives > 0 && negatives > 0) {
    const ranks = averageRanks(scores);
    let sum = 0;
    for (let i = 0; i < n; i++) if (labels[i]) sum += ranks[i]!;
    auc = aucFromRankSum(sum, positives, negatives);
  }
  return { ...rates(tp, tn, positives, negatives), auc, count: n, positives };
}

/** `values[rows[i]]` for every i. */
export function gather(values: Uint8Array, rows: Int32Array): Uint8Array {
  const out = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]!]!;
  return out;
}

/**
 * The majority-class baseline: every test image gets the train prevalence as its probability,
 * i.e. the train majority class at threshold 0.5 (class 1 on an exact tie). Its test accuracy is
 * the test share of that class, its balanced accuracy 0.5 and its AUC 0.5 (all scores tie).
 */
export function baselines(y: Uint8Array, split: Split): Baselines {
  let positives = 0;
  for (const r of split.train) positives += y[r]!;
  const prevalence = split.train.length > 0 ? positives / split.train.length : 0.5;
  const scores = new Float64Array(split.test.length).fill(prevalence);
  return { majority: metrics(scores, gather(y, split.test)), majorityClass: prevalence >= 0.5 ? 1 : 0 };
}
