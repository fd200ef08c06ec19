/**
 * Deterministic full-batch optimisers for linear models,
 *
 *   F(x) = ℓ(A x) + (l2/2)·‖x_M‖² + l1·‖x_M‖₁,
 *
 * where A is the (linear) data map — images × neurons times weights, plus biases — ℓ a smooth
 * loss of the scores and M the penalised coordinates (weights, not biases). Knowing the model is
 * linear makes line searches and momentum nearly free: the scores of x + α·d are z + α·(A d), so
 * an iteration costs two passes over the data (A d and Aᵀ r) however many trial steps it takes.
 *
 * - {@link lbfgs}: L-BFGS (two-loop recursion, 10 pairs) with Armijo backtracking by quadratic
 *   interpolation; for l1 = 0.
 * - {@link fista}: FISTA with backtracking on the Lipschitz constant and function-value restart
 *   of the momentum; the proximal step soft-thresholds the weights, giving exact zeros.
 *
 * Both stop when one iteration lowers F by less than tolerance·max(1, |F|), when the gradient
 * (L-BFGS) vanishes, when `onIteration` asks to (early stopping), or after maxIterations.
 * Everything runs in float64 in a fixed order: the same inputs give the same bits.
 */

/** The model seen by the optimisers: a linear map A and a smooth loss of its output. */
export interface LinearComposite {
  /** Number of parameters (length of x). */
  readonly dim: number;
  /** Length of A x (the scores). */
  readonly outDim: number;
  /** 1 for a penalised parameter (a weight), 0 for a free one (a bias). */
  readonly penalised: Uint8Array;
  /** out = A x. */
  apply(x: Float64Array, out: Float64Array): void;
  /** out = Aᵀ r (overwrites out). */
  applyT(r: Float64Array, out: Float64Array): void;
  /** ℓ(z); with `grad`, also writes ∂ℓ/∂z into it. */
  loss(z: Float64Array, grad: Float64Array | null): number;
}

export interface OptimiseOptions {
  l2: number;
  l1: number;
  maxIterations: number;
  tolerance: number;
  /** L-BFGS history length (default 10). */
  memory?: number;
  /** Called after each iteration with the current parameters; return true to stop. */
  onIteration?: (x: Float64Array, iteration: number) => boolean;
}

export interface OptimiseResult {
  x: Float64Array;
  iterations: number;
  converged: boolean;
  /** F at the returned x. */
  objective: number;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maskedDot(a: Float64Array, b: Float64Array, mask: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) if (mask[i]) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** Smooth part at x whose scores are z: returns f and writes ∇f into g (r is scratch). */
function smooth(p: LinearComposite, x: Float64Array, z: Float64Array, r: Float64Array, g: Float64Array, l2: number): number {
  const f = p.loss(z, r) + (l2 / 2) * maskedDot(x, x, p.penalised);
  p.applyT(r, g);
  if (l2 > 0) for (let i = 0; i < x.length; i++) if (p.penalised[i]) g[i] += l2 * x[i]!;
  return f;
}

/** Minimises ℓ(Ax) + (l2/2)‖x_M‖² from x0 by L-BFGS (l1 is ignored; use {@link fista}). */
export function lbfgs(p: LinearComposite, x0: Float64Array, o: OptimiseOptions): OptimiseResult {
  const n = p.dim;
  const m = o.memory ?? 10;
  const x = Float64Array.from(x0);
  const z = new Float64Array(p.outDim);
  const zd = new Float64Array(p.outDim);
  const zt = new Float64Array(p.outDim);
  const r = new Float64Array(p.outDim);
  let g = new Float64Array(n);
  let gNext = new Float64Array(n);
  const d = new Float64Array(n);
  p.apply(x, z);
  let f = smooth(p, x, z, r, g, o.l2);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const alphas = new Float64Array(m);
  let iterations = 0;
  let converged = maxAbs(g) <= o.tolerance;
  while (!converged && iterations < o.maxIterations) {
    // Two-loop recursion: d = −H g.
    for (let i = 0; i < n; i++) d[i] = -g[i]!;
    for (let k = S.length - 1; k >= 0; k--) {
      const a = rho[k]! * dot(S[k]!, d);
      alphas[k] = a;
      const y = Y[k]!;
      for (let i = 0; i < n; i++) d[i] -= a * y[i]!;
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = dot(S[last]!, Y[last]!) / dot(Y[last]!, Y[last]!);
      for (let i = 0; i < n; i++) d[i] *= gamma;
    }
    for (let k = 0; k < S.length; k++) {
      const b = rho[k]! * dot(Y[k]!, d);
      const s = S[k]!;
      const a = alphas[k]!;
      for (let i = 0; i < n; i++) d[i] += (a - b) * s[i]!;
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): forget the history, go downhill.
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i]!;
      slope = -dot(g, g);
    }
    // Line search on φ(α) = ℓ(z + α A d) + (l2/2)‖x + α d‖²_M.
    p.apply(d, zd);
    const xx = maskedDot(x, x, p.penalised);
    const xd = maskedDot(x, d, p.penalised);
    const dd = maskedDot(d, d, p.penalised);
    let alpha = S.length === 0 ? Math.min(1, 1 / Math.max(maxAbs(g), 1e-12)) : 1;
    let accepted = false;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < zt.length; i++) zt[i] = z[i]! + alpha * zd[i]!;
      const ft = p.loss(zt, null) + (o.l2 / 2) * (xx + 2 * alpha * xd + alpha * alpha * dd);
      if (ft <= f + 1e-4 * alpha * slope) {
        accepted = true;
        break;
      }
      // Minimiser of the quadratic through φ(0), φ'(0) and φ(α), kept within [0.1α, 0.5α].
      const q = (-slope * alpha * alpha) / (2 * (ft - f - slope * alpha));
      alpha = Number.isFinite(q) ? Math.min(Math.max(q, 0.1 * alpha), 0.5 * alpha) : 0.5 * alpha;
    }
    if (!accepted) break; // no decrease possible at float64 precision: x is as good as it gets
    for (let i = 0; i < n; i++) x[i] += alpha * d[i]!;
    z.set(zt);
    const fNext = smooth(p, x, z, r, gNext, o.l2);
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = alpha * d[i]!;
      y[i] = gNext[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    [g, gNext] = [gNext, g];
    const decrease = f - fNext;
    f = fNext;
    iterations++;
    if (decrease <= o.tolerance * Math.max(1, Math.abs(f)) || maxAbs(g) <= o.tolerance) converged = true;
    if (o.onIteration?.(x, iterations)) break;
  }
  return { x, iterations, converged, objective: f };
}

/** Minimises ℓ(Ax) + (l2/2)‖x_M‖² + l1‖x_M‖₁ from x0 by FISTA with backtracking and restarts. */
export function fista(p: LinearComposite, x0: Float64Array, o: OptimiseOptions): OptimiseResult {
  const n = p.dim;
  const mask = p.penalised;
  let x = Float64Array.from(x0);
  let xPrev = Float64Array.from(x0);
  let zx = new Float64Array(p.outDim);
  p.apply(x, zx);
  let zPrev = Float64Array.from(zx);
  let zNext = new Float64Array(p.outDim);
  let xNext = new Float64Array(n);
  const y = new Float64Array(n);
  const zy = new Float64Array(p.outDim);
  const r = new Float64Array(p.outDim);
  const g = new Float64Array(n);
  const l1Norm = (v: Float64Array) => {
    let s = 0;
    for (let i = 0; i < n; i++) if (mask[i]) s += Math.abs(v[i]!);
    return s;
  };
  let F = p.loss(zx, null) + (o.l2 / 2) * maskedDot(x, x, mask) + o.l1 * l1Norm(x);
  let t = 1;
  let L = 0.25 + o.l2; // a guess; doubled until the quadratic upper bound holds, never lowered
  let iterations = 0;
  let converged = false;
  while (iterations < o.maxIterations) {
    const tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    const beta = (t - 1) / tNext;
    for (let i = 0; i < n; i++) y[i] = x[i]! + beta * (x[i]! - xPrev[i]!);
    for (let i = 0; i < zy.length; i++) zy[i] = zx[i]! + beta * (zx[i]! - zPrev[i]!);
    const fy = smooth(p, y, zy, r, g, o.l2);
    let fNext = 0;
    for (let tries = 0; tries < 60; tries++) {
      const threshold = o.l1 / L;
      for (let i = 0; i < n; i++) {
        const v = y[i]! - g[i]! / L;
        xNext[i] = mask[i] ? Math.sign(v) * Math.max(Math.abs(v) - threshold, 0) : v;
      }
      p.apply(xNext, zNext);
      fNext = p.loss(zNext, null) + (o.l2 / 2) * maskedDot(xNext, xNext, mask);
      let lin = 0;
      let sq = 0;
      for (let i = 0; i < n; i++) {
        const diff = xNext[i]! - y[i]!;
        lin += g[i]! * diff;
        sq += diff * diff;
      }
      if (fNext <= fy + lin + (L / 2) * sq + 1e-12 * Math.abs(fy)) break;
      L *= 2;
    }
    const FNext = fNext + o.l1 * l1Norm(xNext);
    iterations++;
    if (FNext > F) {
      // Momentum overshot: restart it from the current point (O'Donoghue & Candès). Without
      // momentum a backtracked proximal step cannot go up, so a rise then is rounding: done.
      if (beta === 0) {
        converged = true;
        break;
      }
      t = 1;
      xPrev.set(x);
      zPrev.set(zx);
      if (o.onIteration?.(x, iterations)) break;
      continue;
    }
    const decrease = F - FNext;
    [xPrev, x, xNext] = [x, xNext, xPrev];
    [zPrev, zx, zNext] = [zx, zNext, zPrev];
    F = FNext;
    t = tNext;
    if (decrease <= o.tolerance * Math.max(1, Math.abs(F))) converged = true;
    if (o.onIteration?.(x, iterations) || converged) break;
  }
  return { x, iterations, converged, objective: F };
}
