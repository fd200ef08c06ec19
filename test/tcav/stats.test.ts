import { test } from 'node:test';
import assert from 'node:assert/strict';
import { incompleteBeta, logGamma, studentTwoSided, welchTest } from '../../src/tcav/stats.js';

const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);

test('logGamma matches factorials and Γ(1/2) = √π', () => {
  for (let n = 1; n <= 20; n++) {
    let f = 1;
    for (let k = 2; k < n; k++) f *= k;
    close(logGamma(n), Math.log(f), 1e-12 * Math.max(1, Math.log(f)), `lnΓ(${n})`);
  }
  close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13, 'lnΓ(1/2)');
});

test('incompleteBeta equals its closed forms', () => {
  for (const x of [0.01, 0.2, 0.5, 0.77, 0.999]) {
    close(incompleteBeta(x, 1, 1), x, 1e-13, `I_${x}(1,1)`);
    close(incompleteBeta(x, 3.5, 1), x ** 3.5, 1e-12, `I_${x}(3.5,1)`);
    close(incompleteBeta(x, 1, 4.25), 1 - (1 - x) ** 4.25, 1e-12, `I_${x}(1,4.25)`);
    // I_x(2,2) = 3x² − 2x³; I_x(a,b) + I_{1−x}(b,a) = 1
    close(incompleteBeta(x, 2, 2), 3 * x * x - 2 * x ** 3, 1e-12, `I_${x}(2,2)`);
    close(incompleteBeta(x, 7, 2.5) + incompleteBeta(1 - x, 2.5, 7), 1, 1e-12, `symmetry at ${x}`);
  }
  for (const a of [0.5, 3, 40]) close(incompleteBeta(0.5, a, a), 0.5, 1e-12, `I_0.5(${a},${a})`);
  assert.equal(incompleteBeta(0, 2, 3), 0);
  assert.equal(incompleteBeta(1, 2, 3), 1);
});

test('Student t two-sided p-values equal the closed forms for df 1 and 2 and the tabled critical values', () => {
  // df = 1 (Cauchy): p = 1 − (2/π)·atan|t|; df = 2: p = 1 − |t|/√(t² + 2).
  for (const t of [0.1, 1, 2.5, 12]) {
    close(studentTwoSided(t, 1), 1 - (2 / Math.PI) * Math.atan(t), 1e-12, `df 1, t ${t}`);
    close(studentTwoSided(-t, 2), 1 - t / Math.sqrt(t * t + 2), 1e-12, `df 2, t ${t}`);
  }
  // Two-sided 5 % and 1 % critical values (standard t tables).
  close(studentTwoSided(2.228138852, 10), 0.05, 1e-8, 't(10) 5 %');
  close(studentTwoSided(2.093024054, 19), 0.05, 1e-8, 't(19) 5 %');
  close(studentTwoSided(3.169272673, 10), 0.01, 1e-8, 't(10) 1 %');
  close(studentTwoSided(1.959963985, 1e7), 0.05, 1e-6, 'normal limit');
  assert.equal(studentTwoSided(0, 5), 1);
});

test('Welch t-test: statistic, Welch–Satterthwaite df and p by hand; degenerate samples', () => {
  const a = [1, 2, 3, 4, 5];
  const b = [2, 4, 6, 8, 10, 12];
  // mean a = 3, var a = 2.5; mean b = 7, var b = 14. se² = 0.5 + 14/6.
  const va = 2.5 / 5;
  const vb = 14 / 6;
  const t = (3 - 7) / Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va * va / 4 + vb * vb / 5);
  const result = welchTest(a, b);
  close(result.t, t, 1e-12, 't');
  close(result.df!, df, 1e-12, 'df');
  close(result.p, studentTwoSided(t, df), 1e-15, 'p');
  assert.ok(result.p > 0.01 && result.p < 0.05, `p ${result.p}`);
  assert.deepEqual(welchTest([1, 1, 1], [1, 1]), { t: 0, df: null, p: 1 });
  assert.deepEqual(welchTest([1, 1, 1], [0, 0]), { t: Infinity, df: null, p: 0 });
  assert.throws(() => welchTest([1], [1, 2]), RangeError);
});
