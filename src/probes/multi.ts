/**
 * Multi-concept linear probe: σ(W·h + b) for all concepts of a layer at once. Independent
 * sigmoids (multi-label concepts; the objective is the sum of the per-concept objectives, so each
 * row of W equals a separate {@link trainLogistic} fit up to optimiser tolerance), or one softmax
 * over the concepts when they are mutually exclusive classes. One pass over the data serves every
 * concept, which is what makes the joint fit cheaper than C separate ones.
 */
import { NeurolensError } from '../errors.js';
import { probeMessages } from '../messages/index.js';
import { fitLinear, linearDefaults, linearProbabilities, outputsOf, perConceptMetrics, type Labels } from './logistic.js';
import { checkBinary, checkMatrix, checkSplit } from './split.js';
import { prepare } from './standardise.js';
import type { Matrix, MultiConceptOptions, MultiConceptResult, Split } from './types.js';

/** Exclusive classes 0..K−1 from an Int32Array, or from 0/1 vectors with exactly one 1 per image. */
export function exclusiveClasses(Y: Uint8Array[] | Int32Array, rows: number): { classes: Int32Array; count: number } {
  if (Y instanceof Int32Array) {
    if (Y.length !== rows) throw new NeurolensError('input', probeMessages.labelCount('classes', Y.length, rows));
    let count = 0;
    for (let i = 0; i < Y.length; i++) {
      if (!(Y[i]! >= 0)) throw new NeurolensError('input', probeMessages.badClass(i, Y[i]!));
      count = Math.max(count, Y[i]! + 1);
    }
    return { classes: Y, count };
  }
  const classes = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let set = 0;
    for (let c = 0; c < Y.length; c++) {
      if (Y[c]![i]) {
        set++;
        classes[i] = c;
      }
    }
    if (set !== 1) throw new NeurolensError('input', probeMessages.notExclusive(i, set));
  }
  return { classes, count: Y.length };
}

/** One 0/1 vector per class from class indices. */
function oneHot(classes: Int32Array, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, c) => Uint8Array.from(classes, (k) => (k === c ? 1 : 0)));
}

/** Labels of a joint model: checked 0/1 vectors (sigmoid) or exclusive classes (softmax). */
export function jointLabels(Y: Uint8Array[] | Int32Array, rows: number, exclusive: boolean): Labels {
  if (exclusive) return { kind: 'softmax', ...exclusiveClasses(Y, rows) };
  if (Y instanceof Int32Array) {
    const { classes, count } = exclusiveClasses(Y, rows);
    return { kind: 'sigmoid', Y: oneHot(classes, count) };
  }
  if (Y.length === 0) throw new NeurolensError('usage', probeMessages.noConcepts());
  Y.forEach((y, c) => checkBinary(y, rows, `labels[${c}]`));
  return { kind: 'sigmoid', Y };
}

/** Share of rows whose most probable class is their label (probabilities row-major rows × C). */
export function argmaxAccuracy(probabilities: Float64Array, classes: Int32Array, rows: Int32Array, C: number): number {
  if (rows.length === 0) return NaN;
  let hits = 0;
  for (let i = 0; i < rows.length; i++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (probabilities[i * C + c]! > probabilities[i * C + best]!) best = c;
    if (best === classes[rows[i]!]) hits++;
  }
  return hits / rows.length;
}

/**
 * Fits all concepts at once on all neurons (standardised activations): independent sigmoids, or
 * a softmax when `exclusive` (Y then is an Int32Array of classes, or 0/1 vectors with exactly one
 * 1 per image). Metrics are one-vs-rest per concept; `classAccuracy` is the argmax accuracy.
 */
export function trainMultiConcept(
  X: Matrix,
  Y: Uint8Array[] | Int32Array,
  split: Split,
  options: MultiConceptOptions,
): MultiConceptResult {
  checkMatrix(X);
  checkSplit(split, X.rows);
  const labels = jointLabels(Y, X.rows, options.exclusive);
  const o = linearDefaults(options);
  const Xs = prepare(X, split.train, o.standardise);
  const fit = fitLinear(Xs, split, labels, o);
  const C = outputsOf(labels);
  const p = X.cols;
  const probabilities = (rows: Int32Array) => linearProbabilities(Xs, rows, fit.x, labels);
  const result: MultiConceptResult = {
    concepts: C,
    weights: Float32Array.from(fit.x.subarray(0, C * p)),
    bias: Float32Array.from(fit.x.subarray(C * p)),
    epochs: fit.epochs,
    converged: fit.converged,
    bestValidationLoss: fit.bestValidationLoss,
    metrics: perConceptMetrics(split, probabilities, labels),
  };
  if (labels.kind === 'softmax') {
    const accuracy = (rows: Int32Array) => argmaxAccuracy(probabilities(rows), labels.classes, rows, C);
    result.classAccuracy = { train: accuracy(split.train), validation: accuracy(split.validation), test: accuracy(split.test) };
  }
  return result;
}
