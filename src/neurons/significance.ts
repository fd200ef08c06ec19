/**
 * The two statistics behind enrichment labels: the one-sided hypergeometric tail (how likely a
 * random draw of a neuron's top images would share at least that many images with a concept) and
 * Benjamini–Hochberg q-values. The tail is summed in log space, term by term, so tiny p-values of
 * strongly enriched concepts (1e-30 and below) keep their digits instead of rounding to 0.
 */
import { logGamma } from '../tcav/stats.js';

/** ln C(n, k) for integers 0 ≤ k ≤ n. */
export function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

function checkCounts(x: number, population: number, successes: number, draws: number): void {
  const ints = [x, population, successes, draws].every((v) => Number.isSafeInteger(v));
  if (!ints || population < 0 || successes < 0 || successes > population || draws < 0 || draws > population) {
    throw new RangeError(`hypergeometric counts must be integers with 0 ≤ K ≤ N and 0 ≤ n ≤ N, got x=${x}, N=${population}, K=${successes}, n=${draws}`);
  }
}

/**
 * ln P(X ≥ x) for X ~ Hypergeometric(N = population, K = successes, n = draws): the chance that n
 * images drawn without replacement from N include at least x of a concept's K images.
 */
export function logHypergeometricTail(x: number, population: number, successes: number, draws: number): number {
  checkCounts(x, population, successes, draws);
  const lo = Math.max(0, draws - (population - successes));
  const hi = Math.min(draws, successes);
  if (x <= lo) return 0;
  if (x > hi) return Number.NEGATIVE_INFINITY;
  const logTotal = logChoose(population, draws);
  const terms: number[] = [];
  for (let i = x; i <= hi; i++) terms.push(logChoose(successes, i) + logChoose(population - successes, draws - i) - logTotal);
  const top = Math.max(...terms);
  let sum = 0;
  for (const t of terms) sum += Math.exp(t - top);
  // Rounding in the log-gamma differences can push a tail of ~1 a hair above it.
  return Math.min(0, top + Math.log(sum));
}

/** P(X ≥ x) for X ~ Hypergeometric(N, K, n); see {@link logHypergeometricTail}. */
export function hypergeometricTail(x: number, population: number, successes: number, draws: number): number {
  return Math.exp(logHypergeometricTail(x, population, successes, draws));
}

/**
 * Benjamini–Hochberg q-values of `p` (step-up, in input order): q_(r) = min over s ≥ r of
 * m · p_(s) / s, capped at 1, where p_(1) ≤ … ≤ p_(m). Rejecting every hypothesis with q < α keeps
 * the false discovery rate at most α for independent or positively dependent tests.
 */
export function benjaminiHochberg(p: readonly number[]): number[] {
  for (const v of p) if (!(v >= 0 && v <= 1)) throw new RangeError(`p-values must lie in [0, 1], got ${v}`);
  const m = p.length;
  const order = p.map((_, i) => i).sort((a, b) => p[a]! - p[b]! || a - b);
  const q = new Array<number>(m);
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    const i = order[r]!;
    running = Math.min(running, (p[i]! * m) / (r + 1));
    q[i] = running;
  }
  return q;
}
