/**
 * Multi-neuron linear probes: logistic regression σ(w·h + b) on all neurons of a layer for one
 * concept ({@link trainLogistic}), the smallest set of top-weighted neurons that keeps its test
 * AUC ({@link sparseK}), and the shared linear-model machinery (scores, losses, early stopping)
 * that multi.ts also uses for several outputs (independent sigmoids or one softmax).
 *
 * Objective: mean log loss over the train rows + (l2/2)‖w‖² + l1‖w‖₁ (bias free), minimised from
 * zero weights and the prevalence's logit as bias by L-BFGS (l1 = 0) or FISTA (l1 > 0) — see
 * optim.ts. Early stopping watches the validation loss after every iteration and keeps the best.
 */
import { NeurolensError } from '../errors.js';
import { probeMessages } from '../messages/index.js';
import { gather, metrics } from './metrics.js';
import { fista, lbfgs, type LinearComposite } from './optim.js';
import { checkBinary, checkMatrix, checkNumber, checkSplit } from './split.js';
import { prepare, selectColumns } from './standardise.js';
import type { LinearOptions, LogisticResult, Matrix, SparseKOptions, SparseKResult, SparsePoint, Split, SplitMetrics } from './types.js';

/** Targets of a linear model's rows: 0/1 per row × output, or one class per row (softmax). */
export type Targets = { kind: 'sigmoid'; y: Uint8Array } | { kind: 'softmax'; classes: Int32Array };

/** Labels of every image, from which the targets of any set of rows are taken. */
export type Labels = { kind: 'sigmoid'; Y: Uint8Array[] } | { kind: 'softmax'; classes: Int32Array; count: number };

export function outputsOf(labels: Labels): number {
  return labels.kind === 'sigmoid' ? labels.Y.length : labels.count;
}

function targetsFor(labels: Labels, rows: Int32Array): Targets {
  if (labels.kind === 'softmax') {
    const classes = new Int32Array(rows.length);
    for (let i = 0; i < rows.length; i++) classes[i] = labels.classes[rows[i]!]!;
    return { kind: 'softmax', classes };
  }
  const C = labels.Y.length;
  const y = new Uint8Array(rows.length * C);
  for (let c = 0; c < C; c++) {
    const Yc = labels.Y[c]!;
    for (let i = 0; i < rows.length; i++) y[i * C + c] = Yc[rows[i]!]!;
  }
  return { kind: 'sigmoid', y };
}

/** out[r·C + c] = b_c + Σ_k X[rows[r], k]·W[c, k] for parameters x = [W (C × p) row-major, b (C)]. */
export function linearScores(X: Matrix, rows: Int32Array, x: Float64Array, C: number, out: Float64Array): void {
  const { data, cols: p } = X;
  const biasAt = C * p;
  for (let r = 0; r < rows.length; r++) {
    const o = rows[r]! * p;
    for (let c = 0; c < C; c++) {
      const w = c * p;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k + 3 < p; k += 4) {
        s0 += data[o + k]! * x[w + k]!;
        s1 += data[o + k + 1]! * x[w + k + 1]!;
        s2 += data[o + k + 2]! * x[w + k + 2]!;
        s3 += data[o + k + 3]! * x[w + k + 3]!;
      }
      for (; k < p; k++) s0 += data[o + k]! * x[w + k]!;
      out[r * C + c] = x[biasAt + c]! + (s0 + s1 + (s2 + s3));
    }
  }
}

/** A linear model with C outputs on `rows` of X, as the optimisers see it. */
export class LinearProblem implements LinearComposite {
  readonly dim: number;
  readonly outDim: number;
  readonly penalised: Uint8Array;

  constructor(
    readonly X: Matrix,
    readonly rows: Int32Array,
    readonly C: number,
    readonly targets: Targets,
  ) {
    this.dim = C * X.cols + C;
    this.outDim = rows.length * C;
    this.penalised = new Uint8Array(this.dim).fill(1, 0, C * X.cols);
  }

  apply(x: Float64Array, out: Float64Array): void {
    linearScores(this.X, this.rows, x, this.C, out);
  }

  applyT(res: Float64Array, out: Float64Array): void {
    const { data, cols: p } = this.X;
    const { rows, C } = this;
    const biasAt = C * p;
    out.fill(0);
    for (let r = 0; r < rows.length; r++) {
      const o = rows[r]! * p;
      for (let c = 0; c < C; c++) {
        const v = res[r * C + c]!;
        if (v === 0) continue;
        const w = c * p;
        for (let k = 0; k < p; k++) out[w + k] += v * data[o + k]!;
        out[biasAt + c] += v;
      }
    }
  }

  loss(z: Float64Array, grad: Float64Array | null): number {
    const n = this.rows.length;
    const inv = 1 / Math.max(n, 1);
    let total = 0;
    if (this.targets.kind === 'sigmoid') {
      const y = this.targets.y;
      for (let i = 0; i < z.length; i++) {
        const zi = z[i]!;
        let softplus: number;
        let prob: number;
        if (zi >= 0) {
          const e = Math.exp(-zi);
          softplus = zi + Math.log1p(e);
          prob = 1 / (1 + e);
        } else {
          const e = Math.exp(zi);
          softplus = Math.log1p(e);
          prob = e / (1 + e);
        }
        total += softplus - y[i]! * zi;
        if (grad) grad[i] = (prob - y[i]!) * inv;
      }
      return total * inv;
    }
    const { classes } = this.targets;
    const C = this.C;
    for (let r = 0; r < n; r++) {
      const o = r * C;
      let max = -Infinity;
      for (let c = 0; c < C; c++) max = Math.max(max, z[o + c]!);
      let sum = 0;
      for (let c = 0; c < C; c++) sum += Math.exp(z[o + c]! - max);
      const lse = max + Math.log(sum);
      total += lse - z[o + classes[r]!]!;
      if (grad) {
        for (let c = 0; c < C; c++) grad[o + c] = (Math.exp(z[o + c]! - lse) - (c === classes[r] ? 1 : 0)) * inv;
      }
    }
    return total * inv;
  }
}

/** Class probabilities (sigmoid per output, or softmax over outputs) of `rows`, row-major rows × C. */
export function linearProbabilities(X: Matrix, rows: Int32Array, x: Float64Array, labels: Labels): Float64Array {
  const C = outputsOf(labels);
  const z = new Float64Array(rows.length * C);
  linearScores(X, rows, x, C, z);
  return toProbabilities(z, C, labels.kind);
}

/** Scores → probabilities in place (sigmoid per entry, or softmax per row of C). */
export function toProbabilities(z: Float64Array, C: number, kind: Labels['kind']): Float64Array {
  if (kind === 'sigmoid') {
    for (let i = 0; i < z.length; i++) z[i] = 1 / (1 + Math.exp(-z[i]!));
    return z;
  }
  for (let o = 0; o < z.length; o += C) {
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, z[o + c]!);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += (z[o + c] = Math.exp(z[o + c]! - max));
    for (let c = 0; c < C; c++) z[o + c] = z[o + c]! / sum;
  }
  return z;
}

/** One-vs-rest metrics of output c on every split part, from per-part probabilities. */
export function perConceptMetrics(split: Split, probabilities: (rows: Int32Array) => Float64Array, labels: Labels): SplitMetrics[] {
  const C = outputsOf(labels);
  const parts = { train: split.train, validation: split.validation, test: split.test };
  const probs = { train: probabilities(parts.train), validation: probabilities(parts.validation), test: probabilities(parts.test) };
  const out: SplitMetrics[] = [];
  for (let c = 0; c < C; c++) {
    const entry = {} as SplitMetrics;
    for (const part of ['train', 'validation', 'test'] as const) {
      const rows = parts[part];
      const scores = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) scores[i] = probs[part][i * C + c]!;
      const y =
        labels.kind === 'sigmoid' ? gather(labels.Y[c]!, rows) : Uint8Array.from(rows, (r) => (labels.classes[r] === c ? 1 : 0));
      entry[part] = metrics(scores, y);
    }
    out.push(entry);
  }
  return out;
}

export type ResolvedLinear = Required<Omit<LinearOptions, 'seed'>>;

export function linearDefaults(o: LinearOptions): ResolvedLinear {
  return {
    l2: checkNumber('l2', o.l2 ?? 1e-3, 0),
    l1: checkNumber('l1', o.l1 ?? 0, 0),
    maxEpochs: checkNumber('maxEpochs', o.maxEpochs ?? 200, 0, true),
    tolerance: checkNumber('tolerance', o.tolerance ?? 1e-6, 0),
    earlyStopping: o.earlyStopping ?? true,
    patience: checkNumber('patience', o.patience ?? 10, 1, true),
    standardise: o.standardise ?? true,
    memory: checkNumber('memory', o.memory ?? 10, 1, true),
  };
}

export interface LinearFit {
  x: Float64Array;
  epochs: number;
  converged: boolean;
  bestValidationLoss: number;
}

/**
 * Fits a linear model (parameters [W, b]) on the train rows of the standardised Xs, with early
 * stopping on the validation rows when asked and possible. Biases start at the train log-odds
 * (sigmoid) or log-prevalences (softmax), smoothed by ½ so absent classes stay finite.
 */
export function fitLinear(Xs: Matrix, split: Split, labels: Labels, o: ResolvedLinear): LinearFit {
  const C = outputsOf(labels);
  const train = new LinearProblem(Xs, split.train, C, targetsFor(labels, split.train));
  const x0 = new Float64Array(train.dim);
  const n = split.train.length;
  for (let c = 0; c < C; c++) {
    let count = 0;
    for (const r of split.train) count += labels.kind === 'sigmoid' ? labels.Y[c]![r]! : labels.classes[r] === c ? 1 : 0;
    const share = (count + 0.5) / (n + 1);
    x0[C * Xs.cols + c] = labels.kind === 'sigmoid' ? Math.log(share / (1 - share)) : Math.log(share);
  }
  // A tiny validation slice (a handful of positives) is noise: its loss often rises on the first
  // steps, and early stopping would keep the all-zero starting weights (test AUC exactly 0.5).
  // Below MIN_VALIDATION_OUTCOME rows of each outcome, rely on L2 + convergence instead.
  const watch = o.earlyStopping && split.validation.length > 0 && bothOutcomes(labels, split.validation);
  const val = watch ? new LinearProblem(Xs, split.validation, C, targetsFor(labels, split.validation)) : null;
  const zv = new Float64Array(val ? val.outDim : 0);
  const validationLoss = (x: Float64Array) => {
    val!.apply(x, zv);
    return val!.loss(zv, null);
  };
  let best = val ? validationLoss(x0) : NaN;
  let bestX: Float64Array = x0;
  let since = 0;
  const onIteration = val
    ? (x: Float64Array) => {
        const loss = validationLoss(x);
        if (loss < best) {
          best = loss;
          bestX = Float64Array.from(x);
          since = 0;
          return false;
        }
        return ++since >= o.patience;
      }
    : undefined;
  const options = { l2: o.l2, l1: o.l1, maxIterations: o.maxEpochs, tolerance: o.tolerance, memory: o.memory, onIteration };
  const result = o.l1 > 0 ? fista(train, x0, options) : lbfgs(train, x0, options);
  return { x: val ? bestX : result.x, epochs: result.iterations, converged: result.converged, bestValidationLoss: best };
}

/** Rows of each outcome a validation slice needs before it may stop training early. */
const MIN_VALIDATION_OUTCOME = 5;

/** Whether every sigmoid output sees ≥ MIN_VALIDATION_OUTCOME of each outcome on `rows` (softmax: of two classes). */
function bothOutcomes(labels: Labels, rows: Int32Array): boolean {
  if (labels.kind === 'sigmoid') {
    return labels.Y.every((y) => {
      let positives = 0;
      for (const r of rows) positives += y[r]!;
      return positives >= MIN_VALIDATION_OUTCOME && rows.length - positives >= MIN_VALIDATION_OUTCOME;
    });
  }
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(labels.classes[r]!, (counts.get(labels.classes[r]!) ?? 0) + 1);
  return [...counts.values()].filter((n) => n >= MIN_VALIDATION_OUTCOME).length >= 2;
}

/**
 * Logistic regression of one concept on all neurons of X: σ(w·h + b) on standardised
 * activations, L-BFGS (or FISTA when l1 > 0), early stopping on the validation rows.
 */
export function trainLogistic(X: Matrix, y: Uint8Array, split: Split, options: LinearOptions = {}): LogisticResult {
  checkMatrix(X);
  checkBinary(y, X.rows);
  checkSplit(split, X.rows);
  const o = linearDefaults(options);
  const Xs = prepare(X, split.train, o.standardise);
  const labels: Labels = { kind: 'sigmoid', Y: [y] };
  const fit = fitLinear(Xs, split, labels, o);
  const p = X.cols;
  const probabilities = (rows: Int32Array) => linearProbabilities(Xs, rows, fit.x, labels);
  return {
    weights: Float32Array.from(fit.x.subarray(0, p)),
    bias: fit.x[p]!,
    epochs: fit.epochs,
    converged: fit.converged,
    bestValidationLoss: fit.bestValidationLoss,
    metrics: perConceptMetrics(split, probabilities, labels)[0]!,
    testProbabilities: probabilities(split.test),
  };
}

/**
 * The smallest number k of top-|w| neurons whose probe reaches target × the full probe's test
 * AUC. k runs over 1, 2, 4, … and finally all neurons; with `refine`, the last failing and first
 * passing powers of two are then bisected (assuming AUC grows with k) so k is exact, not a power
 * of two. Each point refits an L2 probe on those neurons (`refit`, default) or reuses the full
 * probe's weights restricted to them with `bias` (default 0: only AUC is meaningful then).
 */
export function sparseK(
  X: Matrix,
  y: Uint8Array,
  split: Split,
  weights: Float32Array | Float64Array,
  fullTestAuc: number,
  options: SparseKOptions & { bias?: number } = {},
): SparseKResult {
  checkMatrix(X);
  checkBinary(y, X.rows);
  checkSplit(split, X.rows);
  const p = X.cols;
  if (weights.length !== p) throw new NeurolensError('usage', probeMessages.weightCount(weights.length, p));
  const target = checkNumber('target', options.target ?? 0.95, 0);
  const o = { ...linearDefaults(options), l1: 0 };
  const Xs = prepare(X, split.train, o.standardise);
  const order = Int32Array.from({ length: p }, (_, j) => j).sort((a, b) => Math.abs(weights[b]!) - Math.abs(weights[a]!) || a - b);
  const threshold = target * fullTestAuc;
  const yTest = gather(y, split.test);
  const points = new Map<number, SparsePoint>();
  const evaluate = (k: number): SparsePoint => {
    const known = points.get(k);
    if (known) return known;
    const cols = order.slice(0, k);
    const sub = selectColumns(Xs, cols);
    let test;
    if (options.refit ?? true) {
      test = trainLogistic(sub, y, split, { ...o, standardise: false }).metrics.test;
    } else {
      const x = new Float64Array(k + 1);
      for (let t = 0; t < k; t++) x[t] = weights[cols[t]!]!;
      x[k] = options.bias ?? 0;
      test = metrics(linearProbabilities(sub, split.test, x, { kind: 'sigmoid', Y: [y] }), yTest);
    }
    const point = { k, auc: test.auc, accuracy: test.accuracy, balancedAccuracy: test.balancedAccuracy };
    points.set(k, point);
    return point;
  };
  const ks: number[] = [];
  for (let k = 1; k < p; k *= 2) ks.push(k);
  ks.push(p);
  let k = p;
  let previous = 0;
  for (const candidate of ks) {
    if (evaluate(candidate).auc >= threshold) {
      k = candidate;
      break;
    }
    previous = candidate;
  }
  if ((options.refine ?? true) && previous > 0 && evaluate(k).auc >= threshold) {
    let lo = previous;
    while (k - lo > 1) {
      const mid = (lo + k) >>> 1;
      if (evaluate(mid).auc >= threshold) k = mid;
      else lo = mid;
    }
  }
  for (const candidate of ks) evaluate(candidate);
  const curve = [...points.values()].sort((a, b) => a.k - b.k);
  return { k, threshold, curve, order };
}
