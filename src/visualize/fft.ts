/**
 * The unnormalised 2-D discrete Fourier sum with a + sign, X[k] = Σ_n x[n]·e^{+2πi k·n / N},
 * in place on separate real and imaginary float64 planes. Its matrix is symmetric, so the same
 * routine is both the image parametrisation's synthesis and its adjoint (./spectral.ts).
 *
 * Power-of-two lengths use an iterative radix-2 transform; other lengths (e.g. 224) a direct
 * O(n²) sum with tabulated twiddles — slower, but exact in the same sense and rare in practice.
 */

/** Precomputed tables for one transform length. */
interface Plan {
  n: number;
  cos: Float64Array;
  sin: Float64Array;
  /** Bit-reversal permutation (radix-2 only). */
  reverse?: Uint32Array;
  /** Scratch for the direct sum. */
  scratchRe: Float64Array;
  scratchIm: Float64Array;
}

const plans = new Map<number, Plan>();

function planFor(n: number): Plan {
  let plan = plans.get(n);
  if (plan) return plan;
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = Math.sin((2 * Math.PI * k) / n);
  }
  plan = { n, cos, sin, scratchRe: new Float64Array(n), scratchIm: new Float64Array(n) };
  if ((n & (n - 1)) === 0) {
    const bits = Math.log2(n);
    const reverse = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      reverse[i] = r;
    }
    plan.reverse = reverse;
  }
  plans.set(n, plan);
  return plan;
}

/** One strided 1-D transform of length plan.n starting at `offset`, elements `stride` apart. */
function transform1d(re: Float64Array, im: Float64Array, offset: number, stride: number, plan: Plan): void {
  const { n, cos, sin, reverse } = plan;
  if (!reverse) {
    const { scratchRe: sr, scratchIm: si } = plan;
    for (let k = 0; k < n; k++) {
      let accRe = 0;
      let accIm = 0;
      for (let j = 0; j < n; j++) {
        const t = (k * j) % n;
        const xr = re[offset + j * stride]!;
        const xi = im[offset + j * stride]!;
        accRe += xr * cos[t]! - xi * sin[t]!;
        accIm += xr * sin[t]! + xi * cos[t]!;
      }
      sr[k] = accRe;
      si[k] = accIm;
    }
    for (let k = 0; k < n; k++) {
      re[offset + k * stride] = sr[k]!;
      im[offset + k * stride] = si[k]!;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const j = reverse[i]!;
    if (j > i) {
      const a = offset + i * stride;
      const b = offset + j * stride;
      const tr = re[a]!;
      re[a] = re[b]!;
      re[b] = tr;
      const ti = im[a]!;
      im[a] = im[b]!;
      im[b] = ti;
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step]!;
        const wi = sin[k * step]!;
        const a = offset + (start + k) * stride;
        const b = a + half * stride;
        const br = re[b]! * wr - im[b]! * wi;
        const bi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - br;
        im[b] = im[a]! - bi;
        re[a] = re[a]! + br;
        im[a] = im[a]! + bi;
      }
    }
  }
}

/** In place: (re, im) of an H×W row-major plane ← its + sign 2-D Fourier sum (unnormalised). */
export function fourier2d(re: Float64Array, im: Float64Array, height: number, width: number): void {
  const rows = planFor(width);
  for (let y = 0; y < height; y++) transform1d(re, im, y * width, 1, rows);
  const cols = planFor(height);
  for (let x = 0; x < width; x++) transform1d(re, im, x, width, cols);
}
