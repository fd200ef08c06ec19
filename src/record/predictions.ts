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

/** Top-k of one output row; ties go to the lower class index. */
export function topPredictions(row: Float32Array, k = 5): Prediction {
  const scores = looksLikeProbabilities(row) ? Float64Array.from(row) : softmax(row);
  const order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, Math.min(k, row.length));
  return { classes: order, scores: order.map((i) => scores[i]!) };
}
