/**
 * Peaks-over-threshold cut for neuron sensitivity scores (issue 5): the scores above a high
 * percentile t are modelled by a generalised Pareto distribution (GPD, location 0), and only the
 * scores beyond the GPD's upper `tail` quantile z are kept.
 *
 *   t = percentile(s, q)                      (linear interpolation on sorted s, numpy's default)
 *   y = s[s > t] − t,  Nx = |y|,  N = |s|
 *   (ξ, σ) = GPD maximum likelihood on y, then ξ ← max(ξ, 1e-9), σ ← min(σ, std(y))  (population std)
 *   z = t + (σ/ξ)·((N/Nx · tail)^(−ξ) − 1)
 *   keep s > z;  Nx = 0 or z < 0 → nothing.
 *
 * The likelihood of a small excess sample is very flat, so "the" maximum is only defined up to the
 * optimiser's stopping rule. The reference values (shared/gcc/pot_cases.json) were produced by a
 * Nelder–Mead search on (ξ, σ) started at (1, 1) with absolute tolerances 1e-4 on the parameters
 * and on the objective, so that is what `fitGpd` does: the same start, simplex and stopping rule
 * reproduce the reference z to ~1e-8, where the exact optimum would move z by ~1e-6.
 */

/** Options of {@link potThreshold}. */
export interface PotOptions {
  /** Percentile q (0 < q < 100) of the scores that sets the threshold t. Default 90. */
  percentile?: number;
  /** Tail probability of the cut: z is the GPD's (1 − tail) quantile of the whole sample. Default 0.05. */
  tail?: number;
}

export interface PotResult {
  /** The percentile threshold. */
  t: number;
  /** N, the number of scores. */
  n: number;
  /** Nx, the number of scores strictly above t. */
  nx: number;
  /** Fitted GPD shape after clamping (NaN when Nx = 0). */
  xi: number;
  /** Fitted GPD scale after clamping (NaN when Nx = 0). */
  sigma: number;
  /** The cut: scores strictly above it are kept (NaN when Nx = 0). */
  z: number;
  /** Indices (ascending) of the kept scores. */
  selected: number[];
}

/** Smallest shape the cut uses (ξ → 0 is the exponential tail; the formula needs ξ > 0). */
export const XI_FLOOR = 1e-9;

/** numpy's default (`linear`) percentile of ascending `sorted` values. */
export function percentileLinear(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = ((n - 1) * q) / 100;
  const lo = Math.floor(h);
  if (lo >= n - 1) return sorted[n - 1]!;
  const f = h - lo;
  const a = sorted[lo]!;
  const b = sorted[lo + 1]!;
  // Interpolate from the nearer end, which keeps the result inside [a, b] exactly.
  return f < 0.5 ? a + (b - a) * f : b - (b - a) * (1 - f);
}

/** log of the largest double: the reference likelihood's penalty unit for a point outside the support. */
const LOG_MAX = Math.log(Number.MAX_VALUE);

/**
 * Negative log-likelihood of a GPD with location 0, shape `xi`, scale `sigma` for `y`. Points
 * outside the support (y > σ/|ξ| when ξ < 0) are not skipped silently but cost 100·log(MAX_DOUBLE)
 * each, which keeps the simplex search away from parameters that exclude data.
 */
export function gpdNegLogLik(y: ArrayLike<number>, xi: number, sigma: number): number {
  if (!Number.isFinite(xi) || !(sigma > 0)) return Number.POSITIVE_INFINITY;
  const upper = xi < 0 ? -1 / xi : Number.POSITIVE_INFINITY;
  let sum = 0;
  let bad = 0;
  for (let i = 0; i < y.length; i++) {
    const u = y[i]! / sigma;
    if (!(u >= 0 && u <= upper)) {
      bad++;
      continue;
    }
    let logpdf: number;
    if (xi === 0) logpdf = -u;
    else if (xi === -1) logpdf = 0; // (ξ + 1)·log1p(ξu) is 0·(finite or −∞): taken as 0
    else logpdf = (-(xi + 1) * Math.log1p(xi * u)) / xi;
    if (Number.isFinite(logpdf)) sum += logpdf;
    else bad++;
  }
  return -sum + bad * LOG_MAX * 100 + y.length * Math.log(sigma);
}

/** Options of {@link nelderMead}. */
export interface NelderMeadOptions {
  /** Stop when every vertex is within this of the best one, coordinate-wise… Default 1e-4. */
  xTol?: number;
  /** …and every vertex's value within this of the best value. Default 1e-4. */
  fTol?: number;
  /** Iteration limit. Default 200 × dimensions. */
  maxIterations?: number;
  /** Function-evaluation limit. Default 200 × dimensions. */
  maxEvaluations?: number;
}

/**
 * Minimises `f` by the Nelder–Mead simplex method (reflection 1, expansion 2, contraction ½,
 * shrink ½; Lagarias et al. 1998). The first simplex is x0 plus, per coordinate, x0 with that
 * coordinate scaled by 1.05 (or set to 0.00025 when it is 0).
 */
export function nelderMead(f: (x: Float64Array) => number, x0: ArrayLike<number>, options: NelderMeadOptions = {}): { x: Float64Array; value: number; iterations: number; evaluations: number } {
  const n = x0.length;
  const xTol = options.xTol ?? 1e-4;
  const fTol = options.fTol ?? 1e-4;
  const maxIterations = options.maxIterations ?? 200 * n;
  const maxEvaluations = options.maxEvaluations ?? 200 * n;
  let evaluations = 0;
  const evaluate = (x: Float64Array): number => {
    evaluations++;
    return f(x);
  };
  let simplex: Float64Array[] = [Float64Array.from(x0)];
  for (let k = 0; k < n; k++) {
    const v = Float64Array.from(x0);
    v[k] = v[k] !== 0 ? 1.05 * v[k]! : 0.00025;
    simplex.push(v);
  }
  let values = simplex.map((v) => evaluate(v));
  const order = (): void => {
    // Stable: equal values keep their vertex order, so the search is fully deterministic.
    const idx = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
    simplex = idx.map((i) => simplex[i]!);
    values = idx.map((i) => values[i]!);
  };
  const combine = (a: number, p: Float64Array, b: number, q: Float64Array): Float64Array => {
    const out = new Float64Array(n);
    for (let j = 0; j < n; j++) out[j] = a * p[j]! + b * q[j]!;
    return out;
  };
  order();
  let iterations = 1;
  while (evaluations < maxEvaluations && iterations < maxIterations) {
    let xSpread = 0;
    let fSpread = 0;
    for (let i = 1; i <= n; i++) {
      fSpread = Math.max(fSpread, Math.abs(values[0]! - values[i]!));
      for (let j = 0; j < n; j++) xSpread = Math.max(xSpread, Math.abs(simplex[i]![j]! - simplex[0]![j]!));
    }
    if (xSpread <= xTol && fSpread <= fTol) break;
    const centroid = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += simplex[i]![j]!;
    for (let j = 0; j < n; j++) centroid[j] /= n;
    const worst = simplex[n]!;
    const reflected = combine(2, centroid, -1, worst);
    const fr = evaluate(reflected);
    let shrink = false;
    if (fr < values[0]!) {
      const expanded = combine(3, centroid, -2, worst);
      const fe = evaluate(expanded);
      if (fe < fr) [simplex[n], values[n]] = [expanded, fe];
      else [simplex[n], values[n]] = [reflected, fr];
    } else if (fr < values[n - 1]!) {
      [simplex[n], values[n]] = [reflected, fr];
    } else if (fr < values[n]!) {
      const outside = combine(1.5, centroid, -0.5, worst);
      const fc = evaluate(outside);
      if (fc <= fr) [simplex[n], values[n]] = [outside, fc];
      else shrink = true;
    } else {
      const inside = combine(0.5, centroid, 0.5, worst);
      const fc = evaluate(inside);
      if (fc < values[n]!) [simplex[n], values[n]] = [inside, fc];
      else shrink = true;
    }
    if (shrink) {
      const best = simplex[0]!;
      for (let i = 1; i <= n; i++) {
        simplex[i] = combine(1, best, 0.5, combine(1, simplex[i]!, -1, best));
        values[i] = evaluate(simplex[i]!);
      }
    }
    iterations++;
    order();
  }
  return { x: simplex[0]!, value: values[0]!, iterations, evaluations };
}

/**
 * Maximum-likelihood GPD (location 0) for excesses `y`: Nelder–Mead on (ξ, σ) from (1, 1) with the
 * tolerances the reference used (see the file comment). Unclamped.
 */
export function fitGpd(y: ArrayLike<number>): { xi: number; sigma: number } {
  const { x } = nelderMead((p) => gpdNegLogLik(y, p[0]!, p[1]!), [1, 1]);
  return { xi: x[0]!, sigma: x[1]! };
}

function populationStd(y: readonly number[]): number {
  let mean = 0;
  for (const v of y) mean += v;
  mean /= y.length;
  let ss = 0;
  for (const v of y) ss += (v - mean) * (v - mean);
  return Math.sqrt(ss / y.length);
}

/** The peaks-over-threshold cut of `scores` (see the file comment). Scores must be finite. */
export function potThreshold(scores: Float64Array | readonly number[], options: PotOptions = {}): PotResult {
  const q = options.percentile ?? 90;
  const tail = options.tail ?? 0.05;
  if (!(q > 0 && q < 100)) throw new RangeError(`potThreshold: percentile must be in (0, 100), got ${q}`);
  if (!(tail > 0 && tail < 1)) throw new RangeError(`potThreshold: tail must be in (0, 1), got ${tail}`);
  const n = scores.length;
  for (let i = 0; i < n; i++) if (!Number.isFinite(scores[i]!)) throw new RangeError(`potThreshold: score ${i} is not finite (${scores[i]})`);
  const none = (t: number, nx: number): PotResult => ({ t, n, nx, xi: Number.NaN, sigma: Number.NaN, z: Number.NaN, selected: [] });
  if (n === 0) return none(Number.NaN, 0);
  const sorted = Float64Array.from(scores).sort();
  const t = percentileLinear(sorted, q);
  const y: number[] = [];
  for (let i = 0; i < n; i++) if (scores[i]! > t) y.push(scores[i]! - t);
  const nx = y.length;
  if (nx === 0) return none(t, 0);
  const fit = fitGpd(y);
  const xi = Math.max(fit.xi, XI_FLOOR);
  const sigma = Math.min(fit.sigma, populationStd(y));
  // (r^(−ξ) − 1)/ξ written with expm1 so that ξ at the floor does not cancel catastrophically.
  const z = t + (sigma / xi) * Math.expm1(-xi * Math.log((n / nx) * tail));
  const selected: number[] = [];
  if (z >= 0) for (let i = 0; i < n; i++) if (scores[i]! > z) selected.push(i);
  return { t, n, nx, xi, sigma, z, selected };
}
