/**
 * Feature standardisation with train statistics only, so nothing about the validation or test
 * rows leaks into the probes: z = (x − mean) / std per neuron, population std (divisor n), and
 * std 1 for a constant neuron (it then stays constant at 0 and gets no weight).
 */
import { NeurolensError } from '../errors.js';
import { probeMessages } from '../messages/index.js';
import { checkMatrix } from './split.js';
import type { Matrix } from './types.js';

export interface Standardiser {
  mean: Float64Array;
  std: Float64Array;
  /** A new standardised matrix (float32) of all of X's rows; X must have the same columns. */
  apply(X: Matrix): Matrix;
}

/** Per-neuron mean and std over `rows` of X (two passes in float64); throws on non-finite activations. */
export function standardiser(X: Matrix, rows: Int32Array): Standardiser {
  checkMatrix(X);
  const { data, cols } = X;
  const mean = new Float64Array(cols);
  const std = new Float64Array(cols);
  for (const r of rows) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) mean[j] += data[o + j]!;
  }
  const n = Math.max(rows.length, 1);
  for (let j = 0; j < cols; j++) mean[j] /= n;
  for (const r of rows) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) {
      const d = data[o + j]! - mean[j]!;
      std[j] += d * d;
    }
  }
  for (let j = 0; j < cols; j++) {
    if (!Number.isFinite(std[j]!)) {
      for (const r of rows) {
        const v = data[r * cols + j]!;
        if (!Number.isFinite(v)) throw new NeurolensError('input', probeMessages.notFinite(r, j, v));
      }
    }
    const s = Math.sqrt(std[j]! / n);
    std[j] = s > 0 ? s : 1;
  }
  return {
    mean,
    std,
    apply(Y: Matrix): Matrix {
      checkMatrix(Y);
      if (Y.cols !== cols) throw new NeurolensError('input', probeMessages.matrixShape(Y.data.length, Y.rows, cols));
      const out = new Float32Array(Y.data.length);
      const src = Y.data;
      for (let i = 0; i < Y.rows; i++) {
        const o = i * cols;
        for (let j = 0; j < cols; j++) out[o + j] = (src[o + j]! - mean[j]!) / std[j]!;
      }
      return { data: out, rows: Y.rows, cols };
    },
  };
}

/** The standardised copy of X (train statistics), or X itself when `standardise` is false. */
export function prepare(X: Matrix, train: Int32Array, standardise: boolean): Matrix {
  return standardise ? standardiser(X, train).apply(X) : X;
}

/** Columns `cols` of X as a new matrix (same rows), in the order given. */
export function selectColumns(X: Matrix, cols: Int32Array): Matrix {
  const k = cols.length;
  const out = new Float32Array(X.rows * k);
  for (let i = 0; i < X.rows; i++) {
    const o = i * X.cols;
    for (let t = 0; t < k; t++) out[i * k + t] = X.data[o + cols[t]!]!;
  }
  return { data: out, rows: X.rows, cols: k };
}
