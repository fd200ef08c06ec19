/**
 * Single-neuron probes: σ(w·h + b) for every neuron × concept, each a 2-parameter L2-regularised
 * logistic regression on the neuron's standardised train activations, fitted by Newton's method.
 *
 * Vectorised the way the data allows: the train (and test) activations are transposed once into
 * neuron-major columns, so every fit streams one contiguous column; per Newton iteration a single
 * pass accumulates Σσ, Σσh, Σs, Σsh, Σsh² (s = σ(1 − σ)) — the label sums Σy, Σyh are computed once —
 * and solves the 2×2 system. Fits start at w = 0 and b = the train log-odds (smoothed by ½); there
 * every σ is the same, so the first iteration needs only Σh and Σh² (no pass, no exp), and most
 * fits then converge after 1–3 passes (the exp in each pass is the cost). A step that overshoots
 * the minimum along its direction (seen in the next gradient: φ'(1) > −φ'(0)) is replaced by the
 * secant point, and steps are capped at 20, which keeps nearly separable neurons from oscillating.
 *
 * Test metrics: the AUC is that of the logit w·h + b, i.e. of the activation ranked by sign(w)
 * (average ranks for ties; 1 − AUC(h) when w < 0; 0.5 when w = 0); accuracy and balanced accuracy
 * threshold w·h + b ≥ 0, i.e. probability ≥ 0.5 — the same numbers metrics() gives on σ(w·h + b).
 * A consequence: with one weight the probe can only keep or reverse the neuron's ranking, so on
 * shuffled labels (w ≈ 0, random sign) a neuron's test AUC is AUC(h) or 1 − AUC(h), not 0.5 — the
 * shuffled control of a single neuron shows in its weight and balanced accuracy, not its AUC.
 */
import { NeurolensError } from '../errors.js';
import { probeMessages } from '../messages/index.js';
import { aucFromRankSum, averageRanks, rates } from './metrics.js';
import { checkBinary, checkMatrix, checkNumber, checkSplit } from './split.js';
import { standardiser } from './standardise.js';
import type { Matrix, SingleNeuronOptions, SingleNeuronResult, Split } from './types.js';

/** Standardised columns of `rows`, neuron-major: out[j·n + i] = (X[rows[i], j] − mean_j) / std_j. */
function columns(X: Matrix, rows: Int32Array, mean: Float64Array, std: Float64Array): Float32Array {
  const n = rows.length;
  const p = X.cols;
  const out = new Float32Array(n * p);
  const block = 64; // rows per block, so the strided writes stay in cache
  for (let start = 0; start < n; start += block) {
    const end = Math.min(start + block, n);
    for (let j = 0; j < p; j++) {
      const m = mean[j]!;
      const s = std[j]!;
      const o = j * n;
      for (let i = start; i < end; i++) out[o + i] = (X.data[rows[i]! * p + j]! - m) / s;
    }
  }
  return out;
}

/** Label and moment sums of one column: Σy, Σy·h, Σh, Σh². */
interface ColumnSums {
  sy: number;
  syh: number;
  sh: number;
  shh: number;
}

interface Fit {
  w: number;
  b: number;
  iterations: number;
}

/**
 * Newton's method for min (1/n)Σ[softplus(w·h + b) − y(w·h + b)] + (l2/2)w² on one column h.
 * sy = Σy and syh = Σy·h over the column's rows.
 */
function newton(h: Float32Array, sums: ColumnSums, b0: number, l2: number, maxIterations: number, tolerance: number): Fit {
  const { sy, syh, sh, shh } = sums;
  const n = h.length;
  const inv = 1 / n;
  let w = 0;
  let b = b0;
  let dw = 0;
  let db = 0;
  let slope0 = 0; // directional derivative along the last step at its start
  let iterations = 0;
  while (iterations < maxIterations) {
    let q0 = 0;
    let q1 = 0;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    if (iterations === 0) {
      // At w = 0 every σ is σ(b0): the sums follow from Σh and Σh² without a pass.
      const prob = 1 / (1 + Math.exp(-b0));
      const s = prob * (1 - prob);
      q0 = n * prob;
      q1 = prob * sh;
      s0 = n * s;
      s1 = s * sh;
      s2 = s * shh;
    } else for (let i = 0; i < n; i++) {
      const hi = h[i]!;
      const prob = 1 / (1 + Math.exp(-(w * hi + b)));
      const s = prob * (1 - prob);
      q0 += prob;
      q1 += prob * hi;
      s0 += s;
      const sh = s * hi;
      s1 += sh;
      s2 += sh * hi;
    }
    iterations++;
    const gb = (q0 - sy) * inv;
    const gw = (q1 - syh) * inv + l2 * w;
    if (iterations > 1) {
      const slope1 = gw * dw + gb * db;
      if (slope1 > -slope0) {
        // Overshot along the last step: go back to the secant estimate of its 1-D minimum.
        const t = slope0 / (slope0 - slope1);
        w -= (1 - t) * dw;
        b -= (1 - t) * db;
        dw *= t;
        db *= t;
        slope0 *= t;
        continue;
      }
    }
    const hbb = s0 * inv;
    const hbw = s1 * inv;
    const hww = s2 * inv + l2;
    const det = hbb * hww - hbw * hbw;
    if (det > 1e-300) {
      dw = -(hbb * gw - hbw * gb) / det;
      db = -(hww * gb - hbw * gw) / det;
    } else {
      // Saturated (every σ is 0 or 1): a plain gradient step.
      dw = -gw;
      db = -gb;
    }
    const size = Math.max(Math.abs(dw), Math.abs(db));
    if (size > 20) {
      dw *= 20 / size;
      db *= 20 / size;
    }
    slope0 = gw * dw + gb * db;
    w += dw;
    b += db;
    if (Math.abs(dw) <= tolerance * (1 + Math.abs(w)) && Math.abs(db) <= tolerance * (1 + Math.abs(b))) break;
  }
  return { w, b, iterations };
}

/**
 * Fits σ(w·h + b) for every neuron × concept on the train rows and scores it on the test rows.
 * All result arrays are concepts × neurons, concept-major. A concept with only one class in
 * train gets w = 0, b = its smoothed log-odds, iterations = 0.
 */
export function singleNeuronProbes(X: Matrix, Y: Uint8Array[], split: Split, options: SingleNeuronOptions = {}): SingleNeuronResult {
  checkMatrix(X);
  checkSplit(split, X.rows);
  if (Y.length === 0) throw new NeurolensError('usage', probeMessages.noConcepts());
  Y.forEach((y, c) => checkBinary(y, X.rows, `labels[${c}]`));
  const l2 = checkNumber('l2', options.l2 ?? 1e-2, 0);
  const maxIterations = Math.min(checkNumber('iterations', options.iterations ?? 25, 1, true), 255);
  const tolerance = checkNumber('tolerance', options.tolerance ?? 1e-4, 0);
  const { train, test } = split;
  const p = X.cols;
  const C = Y.length;
  const n = train.length;
  const m = test.length;
  const { mean, std } = standardiser(X, train);
  const trainCols = columns(X, train, mean, std);
  const testCols = columns(X, test, mean, std);

  // Per concept: train positives (for Σy·h), their count and start bias; test labels.
  const positives = Y.map((y) => Int32Array.from(train.keys()).filter((i) => y[train[i]!] === 1));
  const bias0 = positives.map((pos) => {
    const share = (pos.length + 0.5) / (n + 1);
    return Math.log(share / (1 - share));
  });
  const testY = Y.map((y) => Uint8Array.from(test, (r) => y[r]!));
  const testPositives = testY.map((y) => y.reduce((a, v) => a + v, 0));

  const out = {
    auc: new Float32Array(C * p),
    accuracy: new Float32Array(C * p),
    balancedAccuracy: new Float32Array(C * p),
    weight: new Float32Array(C * p),
    bias: new Float32Array(C * p),
    iterations: new Uint8Array(C * p),
  };
  for (let j = 0; j < p; j++) {
    const h = trainCols.subarray(j * n, (j + 1) * n);
    const t = testCols.subarray(j * m, (j + 1) * m);
    const ranks = averageRanks(t);
    let sh = 0;
    let shh = 0;
    for (let i = 0; i < n; i++) {
      sh += h[i]!;
      shh += h[i]! * h[i]!;
    }
    for (let c = 0; c < C; c++) {
      const pos = positives[c]!;
      let fit: Fit = { w: 0, b: bias0[c]!, iterations: 0 };
      if (pos.length > 0 && pos.length < n) {
        let syh = 0;
        for (let k = 0; k < pos.length; k++) syh += h[pos[k]!]!;
        fit = newton(h, { sy: pos.length, syh, sh, shh }, bias0[c]!, l2, maxIterations, tolerance);
      }
      const y = testY[c]!;
      const P = testPositives[c]!;
      let rankSum = 0;
      let tp = 0;
      let tn = 0;
      for (let i = 0; i < m; i++) {
        const predicted = fit.w * t[i]! + fit.b >= 0;
        if (y[i]) {
          rankSum += ranks[i]!;
          if (predicted) tp++;
        } else if (!predicted) tn++;
      }
      const aucUp = aucFromRankSum(rankSum, P, m - P);
      const at = c * p + j;
      out.auc[at] = fit.w > 0 ? aucUp : fit.w < 0 ? 1 - aucUp : Number.isNaN(aucUp) ? NaN : 0.5;
      const r = rates(tp, tn, P, m - P);
      out.accuracy[at] = r.accuracy;
      out.balancedAccuracy[at] = r.balancedAccuracy;
      out.weight[at] = fit.w;
      out.bias[at] = fit.b;
      out.iterations[at] = fit.iterations;
    }
    options.onProgress?.(j + 1, p);
  }
  return { concepts: C, neurons: p, ...out, mean, std };
}
