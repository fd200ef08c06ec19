import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { correlateWith, correlationStride, distributionOf, fisherInterval, normalQuantile, significantR, strongest } from '../../src/server/neuron-stats.js';
import { writeNpy } from '../../src/store/npy.js';
import { pearson } from '../helpers/pearson.js';

const name = (i: number) => `img${i}.png`;

test('quantile bands centre on rank round(q·(n−1)) in ascending order, strongest first; lowest and ties', () => {
  // 10 images; ascending order by value: 3(0) 7(0) 0(1) 5(2) 9(3) 1(4) 2(5) 8(6) 4(7) 6(8), image 10 NaN.
  const column = Float32Array.from([1, 4, 5, 0, 7, 2, 8, 0, 6, 3, NaN]);
  const d = distributionOf(column, name, [1, 0.5, 0]);
  assert.equal(d.images, 10);
  // q = 1: rank 9 → start clamped to 6: ranks 6..9 = images 2, 8, 4, 6; strongest first.
  assert.deepEqual(d.bands[0]!.images.map((i) => i.index), [6, 4, 8, 2]);
  assert.equal(d.bands[0]!.value, 8);
  // q = 0.5: rank round(4.5) = 5 (image 1, value 4) → ranks 3..6 = images 5, 9, 1, 2.
  assert.equal(d.bands[1]!.value, 4);
  assert.deepEqual(d.bands[1]!.images.map((i) => i.index), [2, 1, 9, 5]);
  assert.deepEqual(d.bands[1]!.images.map((i) => i.activation), [5, 4, 3, 2]);
  // q = 0: ranks 0..3 = images 3, 7, 0, 5 (ties at 0 by lower index).
  assert.deepEqual(d.bands[2]!.images.map((i) => i.index), [5, 0, 7, 3]);
  assert.deepEqual(d.lowest.slice(0, 3).map((i) => i.index), [3, 7, 0]);
  assert.equal(d.lowest[0]!.path, 'img3.png');
  assert.equal(d.atMinimum, 2);
  assert.equal(distributionOf(Float32Array.from([NaN]), name).images, 0);
});

test('correlations streamed from an npy matrix equal a direct Pearson computation, NaN pairs left out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-corr-'));
  const rows = 7;
  const channels = 4;
  const m = new Float32Array(rows * channels);
  for (let r = 0; r < rows; r++) {
    m[r * channels] = r; // the neuron
    m[r * channels + 1] = 2 * r + 1; // r = 1
    m[r * channels + 2] = -r * r; // strongly negative
    m[r * channels + 3] = [3, 1, 4, 1, 5, 9, 2][r]!;
  }
  m[5 * channels + 3] = NaN;
  const path = join(dir, 'a.npy');
  await writeNpy(path, m, [rows, channels]);
  const { r, n, column } = await correlateWith(path, { channel: 0 });
  assert.deepEqual(Array.from(column), [0, 1, 2, 3, 4, 5, 6]);
  // A given column (another layer's neuron) gives the same sums.
  assert.deepEqual(Array.from((await correlateWith(path, column)).r), Array.from(r));
  const direct = (c: number) => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < rows; i++) if (Number.isFinite(m[i * channels + c]!)) (xs.push(i), ys.push(m[i * channels + c]!));
    const mx = xs.reduce((s, v) => s + v, 0) / xs.length;
    const my = ys.reduce((s, v) => s + v, 0) / ys.length;
    let sxy = 0, sxx = 0, syy = 0;
    for (let i = 0; i < xs.length; i++) (sxy += (xs[i]! - mx) * (ys[i]! - my), sxx += (xs[i]! - mx) ** 2, syy += (ys[i]! - my) ** 2);
    return sxy / Math.sqrt(sxx * syy);
  };
  for (let c = 0; c < channels; c++) assert.ok(Math.abs(r[c]! - direct(c)) < 1e-9, `channel ${c}: ${r[c]} vs ${direct(c)}`);
  assert.equal(n[3], 6);
  // Stride 2: rows 0, 2, 4, 6 only.
  const even = await correlateWith(path, { channel: 0 }, 2);
  assert.equal(even.n[1], 4);
  assert.deepEqual(Array.from(even.column), [0, 1, 2, 3, 4, 5, 6], 'the column itself is read in full');
  assert.ok(Math.abs(even.r[2]! - pearson([0, 2, 4, 6], [0, -4, -16, -36])) < 1e-9);
  assert.ok(r[2]! < -0.9);
  const best = strongest([{ layer: 'a', relation: 'same', r, n, skip: 0 }], 2);
  assert.deepEqual(best.neurons.map((x) => x.channel), [1, 2]);
  assert.equal(best.searched, 3);
  const [lo, hi] = best.neurons[1]!.ci;
  assert.ok(lo < best.neurons[1]!.r && best.neurons[1]!.r < hi);
});

test('normal quantile, Fisher interval and the Bonferroni threshold of r', () => {
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959964) < 1e-6);
  assert.equal(correlationStride(4096), 1);
  assert.equal(correlationStride(4097), 2);
  assert.equal(correlationStride(25_000), 7);
  assert.ok(Math.abs(normalQuantile(0.001) + 3.090232) < 1e-6);
  // r = 0 with n = 103: ±tanh(1.96 / 10).
  const [lo, hi] = fisherInterval(0, 103);
  assert.ok(Math.abs(hi - Math.tanh(1.959964 / 10)) < 1e-6 && Math.abs(lo + hi) < 1e-12);
  assert.ok(significantR(103, 10) > significantR(103, 1));
  assert.equal(significantR(3, 1), 1);
});
