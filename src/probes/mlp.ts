/**
 * Nonlinear probe: a one-hidden-layer MLP, h → ReLU(W₁h + b₁) → W₂· + b₂ → sigmoid per concept
 * (or softmax over exclusive classes), trained with Adam on mini-batches of the train rows,
 * (l2/2)(‖W₁‖² + ‖W₂‖²) weight decay, and early stopping on the mean validation log loss (the
 * best epoch's parameters are kept). It reads concepts a linear probe cannot, such as an XOR of
 * two neurons.
 *
 * Deterministic: He-normal W₁ and normal(1/hidden) W₂ from the seeded Random, biases zero except
 * the output bias (train log-odds / log-prevalence), batch order from the same generator, and a
 * fixed summation order. Cost per epoch ≈ 3 · train rows · neurons · hidden multiply-adds.
 */
import { Random } from '../util/random.js';
import { outputsOf, perConceptMetrics, toProbabilities, type Labels } from './logistic.js';
import { argmaxAccuracy, jointLabels } from './multi.js';
import { checkMatrix, checkNumber, checkSplit } from './split.js';
import { prepare } from './standardise.js';
import type { Matrix, MlpOptions, MlpResult, Split, SplitMetrics } from './types.js';

type Resolved = Required<Omit<MlpOptions, 'onProgress'>> & Pick<MlpOptions, 'onProgress'>;

/** Parameter layout in one Float64Array: W₁ (H × p), b₁ (H), W₂ (C × H), b₂ (C). */
class Layout {
  readonly b1: number;
  readonly w2: number;
  readonly b2: number;
  readonly size: number;
  constructor(
    readonly p: number,
    readonly H: number,
    readonly C: number,
  ) {
    this.b1 = H * p;
    this.w2 = this.b1 + H;
    this.b2 = this.w2 + C * H;
    this.size = this.b2 + C;
  }
}

/** Hidden activations (B × H, post-ReLU) and output scores (B × C) of `rows`. */
function forward(X: Matrix, rows: Int32Array, theta: Float64Array, L: Layout, act: Float64Array, z: Float64Array): void {
  const { p, H, C } = L;
  const data = X.data;
  for (let b = 0; b < rows.length; b++) {
    const o = rows[b]! * p;
    for (let h = 0; h < H; h++) {
      const w = h * p;
      let s0 = 0;
      let s1 = 0;
      let k = 0;
      for (; k + 1 < p; k += 2) {
        s0 += data[o + k]! * theta[w + k]!;
        s1 += data[o + k + 1]! * theta[w + k + 1]!;
      }
      if (k < p) s0 += data[o + k]! * theta[w + k]!;
      const a = theta[L.b1 + h]! + s0 + s1;
      act[b * H + h] = a > 0 ? a : 0;
    }
    for (let c = 0; c < C; c++) {
      let s = theta[L.b2 + c]!;
      const w = L.w2 + c * H;
      for (let h = 0; h < H; h++) s += act[b * H + h]! * theta[w + h]!;
      z[b * C + c] = s;
    }
  }
}

/** Summed log loss of scores z (B × C) for `rows`; with `grad`, writes (prob − target) · scale. */
function loss(z: Float64Array, rows: Int32Array, labels: Labels, grad: Float64Array | null, scale: number): number {
  const C = outputsOf(labels);
  let total = 0;
  for (let b = 0; b < rows.length; b++) {
    const o = b * C;
    if (labels.kind === 'sigmoid') {
      for (let c = 0; c < C; c++) {
        const zi = z[o + c]!;
        const y = labels.Y[c]![rows[b]!]!;
        total += Math.max(zi, 0) + Math.log1p(Math.exp(-Math.abs(zi))) - y * zi;
        if (grad) grad[o + c] = (1 / (1 + Math.exp(-zi)) - y) * scale;
      }
    } else {
      const k = labels.classes[rows[b]!]!;
      let max = -Infinity;
      for (let c = 0; c < C; c++) max = Math.max(max, z[o + c]!);
      let sum = 0;
      for (let c = 0; c < C; c++) sum += Math.exp(z[o + c]! - max);
      const lse = max + Math.log(sum);
      total += lse - z[o + k]!;
      if (grad) for (let c = 0; c < C; c++) grad[o + c] = (Math.exp(z[o + c]! - lse) - (c === k ? 1 : 0)) * scale;
    }
  }
  return total;
}

/** Forward over `rows` in chunks; returns scores (rows × C) and the mean loss. */
function evaluate(X: Matrix, rows: Int32Array, theta: Float64Array, L: Layout, labels: Labels): { z: Float64Array; loss: number } {
  const chunk = 1024;
  const act = new Float64Array(chunk * L.H);
  const z = new Float64Array(rows.length * L.C);
  let total = 0;
  for (let start = 0; start < rows.length; start += chunk) {
    const part = rows.subarray(start, Math.min(start + chunk, rows.length));
    const zPart = z.subarray(start * L.C, (start + part.length) * L.C);
    forward(X, part, theta, L, act, zPart);
    total += loss(zPart, part, labels, null, 0);
  }
  return { z, loss: rows.length > 0 ? total / rows.length : NaN };
}

/** Trains one network; returns its kept parameters, epochs run and best validation loss. */
function trainNetwork(Xs: Matrix, split: Split, labels: Labels, o: Resolved, network: number, networks: number) {
  const C = outputsOf(labels);
  const L = new Layout(Xs.cols, o.hidden, C);
  const { p, H } = L;
  const rng = new Random(o.seed);
  const theta = new Float64Array(L.size);
  for (let i = 0; i < H * p; i++) theta[i] = rng.normal() * Math.sqrt(2 / p);
  for (let i = 0; i < C * H; i++) theta[L.w2 + i] = rng.normal() * Math.sqrt(1 / H);
  const n = split.train.length;
  for (let c = 0; c < C; c++) {
    let count = 0;
    for (const r of split.train) count += labels.kind === 'sigmoid' ? labels.Y[c]![r]! : labels.classes[r] === c ? 1 : 0;
    const share = (count + 0.5) / (n + 1);
    theta[L.b2 + c] = labels.kind === 'sigmoid' ? Math.log(share / (1 - share)) : Math.log(share);
  }
  const penalised = new Uint8Array(L.size).fill(1, 0, L.b1).fill(1, L.w2, L.b2);
  const m1 = new Float64Array(L.size);
  const m2 = new Float64Array(L.size);
  const grad = new Float64Array(L.size);
  const act = new Float64Array(o.batch * H);
  const dAct = new Float64Array(o.batch * H);
  const z = new Float64Array(o.batch * C);
  const dz = new Float64Array(o.batch * C);
  const order = Int32Array.from(split.train);
  const beta1 = 0.9;
  const beta2 = 0.999;
  let step = 0;
  let best = Infinity;
  let kept = theta.slice();
  let since = 0;
  let epochs = 0;
  const watch = split.validation.length > 0;
  while (epochs < o.maxEpochs) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    for (let start = 0; start < n; start += o.batch) {
      const rows = order.subarray(start, Math.min(start + o.batch, n));
      const B = rows.length;
      forward(Xs, rows, theta, L, act, z);
      loss(z, rows, labels, dz, 1 / B);
      grad.fill(0);
      for (let b = 0; b < B; b++) {
        for (let c = 0; c < C; c++) {
          const d = dz[b * C + c]!;
          grad[L.b2 + c] += d;
          const w = L.w2 + c * H;
          for (let h = 0; h < H; h++) grad[w + h] += d * act[b * H + h]!;
        }
        for (let h = 0; h < H; h++) {
          let s = 0;
          if (act[b * H + h]! > 0) for (let c = 0; c < C; c++) s += dz[b * C + c]! * theta[L.w2 + c * H + h]!;
          dAct[b * H + h] = s;
        }
      }
      for (let b = 0; b < B; b++) {
        const o2 = rows[b]! * p;
        for (let h = 0; h < H; h++) {
          const d = dAct[b * H + h]!;
          if (d === 0) continue;
          grad[L.b1 + h] += d;
          const w = h * p;
          for (let k = 0; k < p; k++) grad[w + k] += d * Xs.data[o2 + k]!;
        }
      }
      step++;
      const c1 = 1 - Math.pow(beta1, step);
      const c2 = 1 - Math.pow(beta2, step);
      for (let i = 0; i < L.size; i++) {
        const g = grad[i]! + (penalised[i] ? o.l2 * theta[i]! : 0);
        m1[i] = beta1 * m1[i]! + (1 - beta1) * g;
        m2[i] = beta2 * m2[i]! + (1 - beta2) * g * g;
        theta[i] -= (o.lr * (m1[i]! / c1)) / (Math.sqrt(m2[i]! / c2) + 1e-8);
      }
    }
    epochs++;
    const validationLoss = watch ? evaluate(Xs, split.validation, theta, L, labels).loss : NaN;
    o.onProgress?.({ network, networks, epoch: epochs, validationLoss });
    if (!watch) continue;
    if (validationLoss < best) {
      best = validationLoss;
      kept = theta.slice();
      since = 0;
    } else if (++since >= o.patience) break;
  }
  return { theta: watch ? kept : theta, L, epochs, bestValidationLoss: watch ? best : NaN };
}

/**
 * Trains the MLP probe. `y` is one 0/1 concept, several (`joint` = one network with an output per
 * concept, else one network per concept, each with the same seed), or an Int32Array of exclusive
 * classes (one softmax network). Metrics are per concept (one-vs-rest for classes).
 */
export function trainMlp(X: Matrix, y: Uint8Array | Uint8Array[] | Int32Array, split: Split, options: MlpOptions = {}): MlpResult {
  checkMatrix(X);
  checkSplit(split, X.rows);
  const o: Resolved = {
    hidden: checkNumber('hidden', options.hidden ?? 64, 1, true),
    l2: checkNumber('l2', options.l2 ?? 1e-4, 0),
    lr: checkNumber('lr', options.lr ?? 1e-2, 0),
    maxEpochs: checkNumber('maxEpochs', options.maxEpochs ?? 200, 0, true),
    patience: checkNumber('patience', options.patience ?? 10, 1, true),
    batch: checkNumber('batch', options.batch ?? 256, 1, true),
    seed: options.seed ?? 0,
    joint: options.joint ?? false,
    standardise: options.standardise ?? true,
    onProgress: options.onProgress,
  };
  const exclusive = y instanceof Int32Array;
  const all = jointLabels(y instanceof Uint8Array ? [y] : y, X.rows, exclusive);
  const Xs = prepare(X, split.train, o.standardise);
  const tasks: Labels[] = all.kind === 'softmax' || o.joint ? [all] : all.Y.map((Yc) => ({ kind: 'sigmoid', Y: [Yc] }));
  const result: MlpResult = { metrics: [], testProbabilities: [], epochs: [], bestValidationLoss: [] };
  tasks.forEach((labels, network) => {
    const net = trainNetwork(Xs, split, labels, o, network, tasks.length);
    const probabilities = (rows: Int32Array) => toProbabilities(evaluate(Xs, rows, net.theta, net.L, labels).z, net.L.C, labels.kind);
    const perConcept: SplitMetrics[] = perConceptMetrics(split, probabilities, labels);
    result.metrics.push(...perConcept);
    const test = probabilities(split.test);
    for (let c = 0; c < net.L.C; c++) result.testProbabilities.push(Float64Array.from(split.test, (_, i) => test[i * net.L.C + c]!));
    result.epochs.push(net.epochs);
    result.bestValidationLoss.push(net.bestValidationLoss);
    if (labels.kind === 'softmax') {
      const accuracy = (rows: Int32Array) => argmaxAccuracy(probabilities(rows), labels.classes, rows, net.L.C);
      result.classAccuracy = { train: accuracy(split.train), validation: accuracy(split.validation), test: accuracy(split.test) };
    }
  });
  return result;
}
