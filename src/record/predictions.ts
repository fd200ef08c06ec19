/**
 * Top-k predicted classes per image from the model output. Scores are softmax probabilities,
 * unless the rows already are probability vectors (non-negative, summing to 1), in which case
 * they are used as they are — so models exported with a final Softmax are not squashed twice.
 */
export interface Prediction {
  classes: number[];
  scores: number[];
}

export function looksLikeProbabilities(row: Float32Array): boolean {
  let sum = 0;
  for (const v of row) {
    if (!(v >= 0)) return false;
    sum += v;
  }
  return Math.abs(sum - 1) < 1e-3;
}

export function softmax(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of row) if (v > max) max = v;
  const out = new Float64Array(row.length);
  let sum = 0;
  for (let i = 0; i < row.length; i++) {
    out[i] = Math.exp(row[i]! - max);
    sum += out[i]!;
  }
  for (let i = 0; i < row.length; i++) out[i]! /= sum;
  return out;
}

/**
 * Top-k of one output row; ties go to the lower class index, NaN scores rank last. One pass with
 * a k-long sorted list: sorting every class of a 1,000-way output for 5 winners cost more than the
 * rest of finalising.
 */
export function topPredictions(row: Float32Array, k = 5): Prediction {
  const scores = looksLikeProbabilities(row) ? Float64Array.from(row) : softmax(row);
  const want = Math.min(k, row.length);
  const best: number[] = [];
  const beats = (i: number, j: number) => scores[i]! > scores[j]! || (Number.isNaN(scores[j]!) && !Number.isNaN(scores[i]!));
  for (let i = 0; i < scores.length; i++) {
    if (best.length === want && !beats(i, best[want - 1]!)) continue;
    // Classes arrive in ascending order, so an equal score goes after the ones already kept.
    let at = Math.min(best.length, want - 1);
    while (at > 0 && beats(i, best[at - 1]!)) at--;
    if (best.length < want) best.splice(at, 0, i);
    else {
      best.pop();
      best.splice(at, 0, i);
    }
  }
  return { classes: best, scores: best.map((i) => scores[i]!) };
}
