import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fitGpd, gpdNegLogLik, percentileLinear, potThreshold, XI_FLOOR } from '../../src/circuits/pot.js';

interface PotCase { q: number; t: number; Nx: number; xi: number; sigma: number; z: number; selected: number[] }

const SHARED = fileURLToPath(new URL('../../../shared/gcc/pot_cases.json', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/pot-case.json', import.meta.url));

function checkCase(s: number[], c: PotCase): { xiRel: number; sigmaRel: number; tAbs: number; zAbs: number } {
  const r = potThreshold(s, { percentile: c.q });
  const errors = {
    tAbs: Math.abs(r.t - c.t),
    zAbs: Math.abs(r.z - c.z),
    xiRel: Math.abs(r.xi - c.xi) / Math.abs(c.xi),
    sigmaRel: Math.abs(r.sigma - c.sigma) / Math.abs(c.sigma),
  };
  assert.deepEqual(r.selected, c.selected, `q=${c.q}: selected`);
  assert.equal(r.nx, c.Nx, `q=${c.q}: Nx`);
  assert.equal(r.n, s.length);
  assert.ok(errors.tAbs <= 1e-6, `q=${c.q}: t ${r.t} vs ${c.t}`);
  assert.ok(errors.zAbs <= 1e-6, `q=${c.q}: z ${r.z} vs ${c.z}`);
  assert.ok(errors.xiRel <= 1e-3, `q=${c.q}: xi ${r.xi} vs ${c.xi}`);
  assert.ok(errors.sigmaRel <= 1e-3, `q=${c.q}: sigma ${r.sigma} vs ${c.sigma}`);
  return errors;
}

test('POT: the in-repo golden case (q = 90)', () => {
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { s: number[]; case: PotCase };
  const e = checkCase(fixture.s, fixture.case);
  // The fit reproduces the reference optimiser, so errors are at the golden file's rounding.
  assert.ok(e.zAbs < 1e-7 && e.xiRel < 1e-5 && e.sigmaRel < 1e-5);
});

test('POT: every golden case of ../shared/gcc/pot_cases.json', (t) => {
  if (!existsSync(SHARED)) {
    t.skip(`../shared/gcc/pot_cases.json is absent (no shared reference data beside the repo); the in-repo case still runs`);
    return;
  }
  const golden = JSON.parse(readFileSync(SHARED, 'utf8')) as { s: number[]; cases: PotCase[] };
  assert.deepEqual(golden.cases.map((c) => c.q).sort(), [80, 90, 95]);
  for (const c of golden.cases) checkCase(golden.s, c);
});

test('POT: linear percentile matches numpy on small arrays', () => {
  const v = [1, 2, 3, 4, 10];
  assert.equal(percentileLinear(v, 50), 3);
  assert.equal(percentileLinear(v, 90), 7.6000000000000005); // h = 3.6 → 4 + 0.6·6, numpy's exact double
  assert.equal(percentileLinear(v, 100), 10);
  assert.equal(percentileLinear(v, 0), 1);
  assert.equal(percentileLinear([5], 90), 5);
  assert.ok(Number.isNaN(percentileLinear([], 90)));
});

test('POT: no excess (all scores equal) selects nothing', () => {
  const r = potThreshold(new Float64Array(20).fill(0.3));
  assert.equal(r.t, 0.3);
  assert.equal(r.nx, 0);
  assert.ok(Number.isNaN(r.z) && Number.isNaN(r.xi) && Number.isNaN(r.sigma));
  assert.deepEqual(r.selected, []);
  assert.deepEqual(potThreshold([]).selected, []);
});

test('POT: z below zero selects nothing', () => {
  // All scores negative: z sits just above t < 0, so some scores exceed z but the cut is refused.
  const s = Array.from({ length: 40 }, (_, i) => -1 + 0.001 * i);
  const r = potThreshold(s);
  assert.ok(r.nx > 0);
  assert.ok(r.z < 0, `z = ${r.z}`);
  assert.ok(s.some((v) => v > r.z));
  assert.deepEqual(r.selected, []);
});

test('POT: clamps ξ at the floor and σ at std(y); one excess', () => {
  // Light (bounded) tail: a uniform excess sample gives ξ < 0 → clamped.
  const s = Array.from({ length: 200 }, (_, i) => i / 200);
  const r = potThreshold(s);
  const y = s.filter((v) => v > r.t).map((v) => v - r.t);
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const std = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length);
  assert.equal(fitGpd(y).xi < 0, true);
  assert.equal(r.xi, XI_FLOOR);
  assert.ok(r.sigma <= std + 1e-15);
  // With ξ at the floor the cut is the exponential quantile t − σ·ln(N/Nx·tail) (to O(ξ)), computed stably.
  assert.ok(Math.abs(r.z - (r.t - r.sigma * Math.log((r.n / r.nx) * 0.05))) < 1e-10);
  // Same numbers as scipy.stats.genpareto.fit(y, floc=0) on this sample: ξ = −1.29063…, σ = 0.128418….
  assert.ok(Math.abs(fitGpd(y).xi + 1.2906336805358851) < 1e-9);
  assert.deepEqual(r.selected, s.map((v, i) => [v, i] as const).filter(([v]) => v > r.z).map(([, i]) => i));

  // A single excess: std(y) = 0, so σ = 0 and z = t: the one score above t is kept.
  const one = potThreshold([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], { percentile: 95 });
  assert.equal(one.nx, 1);
  assert.equal(one.sigma, 0);
  assert.equal(one.z, one.t);
  assert.deepEqual(one.selected, [10]);
});

test('POT: the likelihood penalises parameters that exclude data, and rejects bad input', () => {
  const y = [0.1, 0.2, 0.5];
  assert.equal(gpdNegLogLik(y, 0.5, 0), Number.POSITIVE_INFINITY);
  // ξ = −1, σ = 0.4: support [0, 0.4] excludes 0.5.
  assert.ok(gpdNegLogLik(y, -1, 0.4) > 70000);
  assert.ok(Math.abs(gpdNegLogLik(y, 0, 1) - 0.8) < 1e-15); // exponential: Σy/σ + N·log σ
  assert.throws(() => potThreshold([1, Number.NaN]), RangeError);
  assert.throws(() => potThreshold([1, 2], { percentile: 100 }), RangeError);
  assert.throws(() => potThreshold([1, 2], { tail: 0 }), RangeError);
});

test('POT: deterministic', () => {
  const s = Array.from({ length: 300 }, (_, i) => Math.abs(Math.sin(i * 12.9898) * 43758.5453) % 1);
  assert.deepEqual(potThreshold(s), potThreshold(Float64Array.from(s)));
});
