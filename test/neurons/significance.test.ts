// The statistics of enrichment labels: hypergeometric upper tail (log space) and Benjamini–Hochberg.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benjaminiHochberg, hypergeometricTail, logHypergeometricTail } from '../../src/neurons/significance.js';

/** Exact P(X ≥ x) as a rational, with BigInt binomials: an independent reference. */
function exactTail(x: number, N: number, K: number, n: number): number {
  const choose = (a: number, b: number): bigint => {
    if (b < 0 || b > a) return 0n;
    let r = 1n;
    for (let i = 1; i <= b; i++) r = (r * BigInt(a - b + i)) / BigInt(i);
    return r;
  };
  let num = 0n;
  for (let i = Math.max(x, 0); i <= Math.min(n, K); i++) num += choose(K, i) * choose(N - K, n - i);
  const den = choose(N, n);
  // Scale to keep 15 digits through the division of two big integers.
  const scale = 10n ** 40n;
  return Number((num * scale) / den) / 1e40;
}

test('hypergeometric tail: Fisher’s tea tasting (1/70 and 17/70) and scipy.stats.hypergeom.sf values', () => {
  // Four cups of eight with milk first, four guessed: all right 1/70, at least three right 17/70.
  assert.ok(Math.abs(hypergeometricTail(4, 8, 4, 4) - 1 / 70) < 1e-14);
  assert.ok(Math.abs(hypergeometricTail(3, 8, 4, 4) - 17 / 70) < 1e-14);
  // scipy 1.17: hypergeom.sf(x - 1, N, K, n) and hypergeom.logsf.
  const known: [number, number, number, number, number][] = [
    [1, 3700, 24, 8, 0.050775929240682076],
    [8, 3700, 24, 8, 8.506698873018145e-19],
    [5, 200, 10, 8, 5.214954444465372e-6],
    [2, 50, 25, 10, 0.9947097290298555],
  ];
  for (const [x, N, K, n, p] of known) assert.ok(Math.abs(hypergeometricTail(x, N, K, n) / p - 1) < 1e-9, `P(X ≥ ${x}; N=${N}, K=${K}, n=${n})`);
  // Far in the tail, where the plain p underflows to nothing useful: the log keeps its digits.
  assert.ok(Math.abs(logHypergeometricTail(40, 1000, 100, 50) - -77.98782552178733) < 1e-8);
});

test('hypergeometric tail: equals the exact rational tail on a grid, and its edge cases', () => {
  for (const N of [1, 7, 20, 45]) {
    for (let K = 0; K <= N; K += Math.max(1, Math.floor(N / 5))) {
      for (let n = 0; n <= N; n += Math.max(1, Math.floor(N / 4))) {
        for (let x = 0; x <= Math.min(n, K) + 1; x++) {
          const want = exactTail(x, N, K, n);
          const got = hypergeometricTail(x, N, K, n);
          assert.ok(want === 0 ? got === 0 : Math.abs(got / want - 1) < 1e-10, `x=${x} N=${N} K=${K} n=${n}: ${got} vs ${want}`);
        }
      }
    }
  }
  assert.equal(logHypergeometricTail(0, 10, 3, 4), 0);
  // n − (N − K) = 3 overlaps are forced: P(X ≥ 3) = 1.
  assert.equal(hypergeometricTail(3, 10, 7, 6), 1);
  assert.equal(logHypergeometricTail(5, 10, 3, 4), Number.NEGATIVE_INFINITY);
  assert.throws(() => hypergeometricTail(1, 10, 11, 4), RangeError);
  assert.throws(() => hypergeometricTail(1.5, 10, 3, 4), RangeError);
});

test('Benjamini–Hochberg: a hand-worked example (as scipy false_discovery_control gives), and bounds', () => {
  // Sorted: 0.005, 0.01, 0.03, 0.04, 0.04, 0.2 → m·p/rank = 0.03, 0.03, 0.06, 0.06, 0.048, 0.2;
  // step-up minima from the largest rank: 0.03, 0.03, 0.048, 0.048, 0.048, 0.2.
  const q = benjaminiHochberg([0.01, 0.04, 0.03, 0.005, 0.2, 0.04]);
  const want = [0.03, 0.048, 0.048, 0.03, 0.2, 0.048];
  q.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-15, `q[${i}] = ${v}, want ${want[i]}`));
  assert.deepEqual(benjaminiHochberg([1, 1]), [1, 1]);
  assert.deepEqual(benjaminiHochberg([]), []);
  // A single p is its own q; large m·p is capped at 1.
  assert.deepEqual(benjaminiHochberg([0.2]), [0.2]);
  assert.deepEqual(benjaminiHochberg([0.9, 0.8]), [0.9, 0.9]);
  assert.throws(() => benjaminiHochberg([0.1, Number.NaN]), RangeError);
});
