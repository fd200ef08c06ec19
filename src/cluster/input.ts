/**
 * Turns the caller's data (number[][] or a flat row-major Float32Array) into one validated
 * float32 matrix. FINCH casts its input to float32 first and then computes in float64, so the
 * cast happens here, once, and every later step reads these exact float32 values.
 */
import { NeurolensError } from '../errors.js';
import { clusterMessages } from '../messages/cluster.js';

/** A dense row-major float32 matrix. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  dims: number;
}

function checkCount(option: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new NeurolensError('usage', clusterMessages.badCount(option, value));
  }
}

function checkFinite(data: Float32Array, dims: number): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    // v - v is 0 for finite numbers and NaN for NaN and ±Infinity: one test covers both.
    if (v - v !== 0) throw new NeurolensError('input', clusterMessages.notFinite(Math.floor(i / dims), i % dims, v));
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'object';
}

export function toMatrix(data: Float32Array | readonly (readonly number[])[], rows?: number, dims?: number): Matrix {
  checkCount('rows', rows);
  checkCount('dims', dims);
  if (data instanceof Float32Array) {
    if (data.length === 0) throw new NeurolensError('input', clusterMessages.empty());
    const d = dims ?? (rows !== undefined ? data.length / rows : undefined);
    const n = d !== undefined ? data.length / d : undefined;
    if (d === undefined || n === undefined || !Number.isInteger(d) || !Number.isInteger(n) || (rows !== undefined && rows !== n)) {
      throw new NeurolensError('usage', clusterMessages.flatShape(data.length, rows, dims));
    }
    checkFinite(data, d);
    return { data, rows: n, dims: d };
  }
  if (!Array.isArray(data)) throw new NeurolensError('usage', clusterMessages.notData(describe(data)));
  if (data.length === 0) throw new NeurolensError('input', clusterMessages.empty());
  const first = data[0];
  if (!Array.isArray(first)) throw new NeurolensError('input', clusterMessages.notRows(0));
  const d = first.length;
  if (d === 0) throw new NeurolensError('input', clusterMessages.empty());
  if (rows !== undefined && rows !== data.length) throw new NeurolensError('usage', clusterMessages.shapeMismatch('rows', rows, data.length));
  if (dims !== undefined && dims !== d) throw new NeurolensError('usage', clusterMessages.shapeMismatch('dims', dims, d));
  const out = new Float32Array(data.length * d);
  for (let i = 0; i < data.length; i++) {
    const row = data[i];
    if (!Array.isArray(row)) throw new NeurolensError('input', clusterMessages.notRows(i));
    if (row.length !== d) throw new NeurolensError('input', clusterMessages.ragged(i, row.length, d));
    // Non-numbers become NaN here and are reported by checkFinite with their position.
    for (let k = 0; k < d; k++) out[i * d + k] = typeof row[k] === 'number' ? row[k]! : NaN;
  }
  checkFinite(out, d);
  return { data: out, rows: data.length, dims: d };
}
