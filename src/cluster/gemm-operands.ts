/**
 * The float32 operands of the first-neighbour GEMM and the error bound that keeps it exact
 * (see gemm-search.ts for how the bound is used).
 *
 * key(i,j) = left_i · right_j, larger = nearer:
 * - cosine: left = right = â, the float64-normalised rows rounded to float32; key = â_i·â_j.
 * - euclidean: rows centred on their float64 mean and rounded to float32 as a;
 *   left_i = [2a_i, −‖a_i‖², 1], right_j = [a_j, 1, −‖a_j‖²]; key = −‖a_i − a_j‖².
 *
 * margin_i = 2·ε_i, where ε_i bounds |key(i,j) − exact_ij| for every j, exact_ij being the float64
 * formula's 1 − d (cosine) or −d² (euclidean) up to a per-row constant. Terms: rounding of the
 * operands to float32, the GEMM's accumulation error (γ_w·Σ|terms| holds for any summation order,
 * blocked or FMA), the rounding of the float64 formula itself; then ×2 slack, which also covers a
 * minimum clipped at distance 0 (a third ε).
 */
import type { Space } from './space.js';

const U32 = 2 ** -24; // unit roundoff of float32
const U64 = 2 ** -53; // unit roundoff of float64

export interface Operands {
  /** Right-hand operand [n, width], row-major (the Gemm initializer, used transposed). */
  right: Float32Array;
  width: number;
  /** Left-hand rows for the listed indices, [rows.length, width]. */
  left: (rows: ArrayLike<number>) => Float32Array;
  /** 2·ε_i: how far below row i's best key a candidate may lie. */
  margin: Float64Array;
}

export function cosineOperands(space: Space): Operands {
  const { n, dims: d } = space;
  const right = Float32Array.from(space.vec);
  // â rounding (2u), accumulation ((d+2)·u with slack), float64 normalisation and dot (2(d+4)·u64).
  const eps = 1.05 * (d + 2) * U32 + 2.01 * U32 + 2 * (d + 4) * U64;
  const left = (rows: ArrayLike<number>): Float32Array => {
    const out = new Float32Array(rows.length * d);
    for (let r = 0; r < rows.length; r++) out.set(right.subarray(rows[r]! * d, rows[r]! * d + d), r * d);
    return out;
  };
  return { right, width: d, left, margin: new Float64Array(n).fill(2 * 2 * eps) };
}

/** Undefined when keys could approach float32 overflow (the caller then searches exactly). */
export function euclideanOperands(space: Space): Operands | undefined {
  const { n, dims: d } = space;
  const w = d + 2;
  const centre = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) centre[k] += space.vec[i * d + k]!;
  for (let k = 0; k < d; k++) centre[k] = centre[k]! / n;
  const a = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) a[i * d + k] = space.vec[i * d + k]! - centre[k]!;
  const norm2 = new Float64Array(n);
  let maxA = 0;
  let maxX = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += a[i * d + k]! * a[i * d + k]!;
    norm2[i] = s;
    maxA = Math.max(maxA, Math.sqrt(s));
    maxX = Math.max(maxX, Math.sqrt(space.sq[i]!));
  }
  if (!(4 * (d + 2) * (maxA + 1) ** 2 < 1e36)) return undefined;
  const right = new Float32Array(n * w);
  for (let j = 0; j < n; j++) {
    right.set(a.subarray(j * d, j * d + d), j * w);
    right[j * w + d] = 1;
    right[j * w + d + 1] = -norm2[j]!;
  }
  const margin = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ra = (Math.sqrt(norm2[i]!) + maxA) ** 2;
    const rx = (Math.sqrt(space.sq[i]!) + maxX) ** 2;
    // Accumulation over w terms whose |sum| ≤ (‖a_i‖+‖a_j‖)², the two −‖a‖² roundings, centring
    // and rounding of a (≈2.2u·(‖a_i‖+‖a_j‖)²), the float64 formula on the raw rows.
    const eps = (1.05 * (d + 2) + 1.01 + 2.2) * U32 * ra + 1.05 * (d + 3) * U64 * rx;
    margin[i] = 2 * 2 * eps;
  }
  const left = (rows: ArrayLike<number>): Float32Array => {
    const out = new Float32Array(rows.length * w);
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r]!;
      for (let k = 0; k < d; k++) out[r * w + k] = 2 * a[i * d + k]!;
      out[r * w + d] = -norm2[i]!;
      out[r * w + d + 1] = 1;
    }
    return out;
  };
  return { right, width: w, left, margin };
}
