import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteLru, fullColumn, LayerCache, loadColumns, sampledColumn } from '../../src/server/layer-columns.js';
import { ascendingOrder, correlateSample, correlationStride, distributionOf, fisherInterval, normalQuantile, significantR, strongest } from '../../src/server/neuron-stats.js';
import { Random } from '../../src/util/random.js';
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

/** A matrix with negatives, ties, −0, NaN and a constant channel: rows × channels, row-major. */
function awkward(rows: number, channels: number, seed: number): Float32Array {
  const rng = new Random(seed);
  const m = new Float32Array(rows * channels);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < channels; c++) m[r * channels + c] = c === 0 ? r % 5 : c === 1 ? 2 * (r % 5) + rng.normal() * 0.1 : c === 2 ? 1 : Math.round(rng.normal() * 4) / 2;
  }
  m[3 * channels + 3] = NaN;
  m[4 * channels + 3] = -0;
  m[6 * channels + 0] = Infinity;
  return m;
}

/** Brute force: Pearson r over rows 0, stride, … of channels a and b, pairs with a non-finite side left out. */
function bruteR(m: Float32Array, rows: number, channels: number, a: number, b: number, stride: number): { r: number; n: number } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let r = 0; r < rows; r += stride) {
    const [x, y] = [m[r * channels + a]!, m[r * channels + b]!];
    if (Number.isFinite(x) && Number.isFinite(y)) (xs.push(x), ys.push(y));
  }
  return { r: xs.length < 3 ? NaN : pearson(xs, ys), n: xs.length };
}

test('ascendingOrder: finite values ascending, ties by index, −0 as +0, the same as a comparator sort', () => {
  const rng = new Random(5);
  const column = Float32Array.from({ length: 3000 }, () => Math.round(rng.normal() * 8) / 4);
  column[7] = NaN;
  column[8] = -0;
  column[9] = -Infinity;
  column[10] = 3.4e38;
  const expected: number[] = [];
  for (let i = 0; i < column.length; i++) if (Number.isFinite(column[i]!)) expected.push(i);
  expected.sort((a, b) => column[a]! - column[b]! || a - b);
  assert.deepEqual(Array.from(ascendingOrder(column)), expected);
});

test('correlations from a layer kept in full or sampled equal brute force over the sampled rows, NaN pairs left out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-corr-'));
  const [rows, channels] = [71, 5]; // several 32-row blocks of the transposition
  const m = awkward(rows, channels, 3);
  const path = join(dir, 'a.npy');
  await writeNpy(path, m, [rows, channels]);
  for (const stride of [1, 3]) {
    const full = await loadColumns(path, stride, true);
    const sample = await loadColumns(path, stride, false);
    assert.equal(sample.full, null);
    assert.equal(sample.sample.length, Math.ceil(rows / stride) * channels);
    for (let c = 0; c < channels; c++) {
      assert.deepEqual(Array.from(fullColumn(full, c)), Array.from({ length: rows }, (_, r) => m[r * channels + c]!));
      assert.deepEqual(Array.from(sampledColumn(full, c)), Array.from(sampledColumn(sample, c)));
    }
    for (const own of [0, 1, 3]) {
      const a = correlateSample(sampledColumn(full, own), full);
      const b = correlateSample(sampledColumn(sample, own), sample);
      assert.deepEqual(Array.from(a.r), Array.from(b.r), 'kept in full or sampled: the same numbers');
      assert.deepEqual(Array.from(a.n), Array.from(b.n));
      for (let c = 0; c < channels; c++) {
        const want = bruteR(m, rows, channels, own, c, stride);
        assert.equal(a.n[c], want.n, `stride ${stride}, ${own}~${c}: n`);
        if (Number.isNaN(want.r) || c === 2) assert.ok(Number.isNaN(a.r[c]!), `${own}~${c}: a constant side has no r`);
        else assert.ok(Math.abs(a.r[c]! - want.r) < 1e-9, `stride ${stride}, ${own}~${c}: ${a.r[c]} vs ${want.r}`);
      }
    }
  }
  const { r, n } = correlateSample(sampledColumn(await loadColumns(path, 1, true), 0), await loadColumns(path, 1, true));
  const best = strongest([{ layer: 'a', relation: 'same', r, n, skip: 0 }], 2);
  const byStrength = [1, 3, 4].sort((a, b) => Math.abs(bruteR(m, rows, channels, 0, b, 1).r) - Math.abs(bruteR(m, rows, channels, 0, a, 1).r));
  assert.deepEqual(best.neurons.map((x) => x.channel), byStrength.slice(0, 2));
  assert.equal(best.searched, 3, 'the neuron itself and the constant channel are not searched');
  const [lo, hi] = best.neurons[0]!.ci;
  assert.ok(lo < best.neurons[0]!.r && best.neurons[0]!.r < hi);
});

test('loadColumns: a matrix read in several chunks lands in the right columns and sampled rows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-chunks-'));
  const [rows, channels, stride] = [150, 40_000, 7]; // 8 MiB chunks of 52 rows
  const m = Float32Array.from({ length: rows * channels }, (_, k) => (k * 7919) % 1000);
  const path = join(dir, 'wide.npy');
  await writeNpy(path, m, [rows, channels]);
  const layer = await loadColumns(path, stride, true);
  for (const c of [0, 31, 32, 12_345, channels - 1]) {
    assert.deepEqual(Array.from(fullColumn(layer, c)), Array.from({ length: rows }, (_, r) => m[r * channels + c]!), `channel ${c}`);
    assert.deepEqual(Array.from(sampledColumn(layer, c)), Array.from({ length: Math.ceil(rows / stride) }, (_, i) => m[i * stride * channels + c]!), `channel ${c}, sampled`);
  }
});

test('ByteLru: loads a key once for concurrent gets, stays within its byte budget (least recently used leave), forgets failures', async () => {
  const lru = new ByteLru<string>(100);
  let loads = 0;
  const load = (v: string) => async () => {
    loads++;
    await new Promise((resolve) => setImmediate(resolve));
    return v;
  };
  const got = await Promise.all(Array.from({ length: 10 }, () => lru.get('a', 40, load('A'))));
  assert.deepEqual([...new Set(got)], ['A']);
  assert.equal(loads, 1);
  await lru.get('b', 40, load('B'));
  lru.peek('a'); // a is now the most recent
  await lru.get('c', 40, load('C')); // 120 > 100: b leaves
  assert.equal(lru.bytes, 80);
  assert.ok(lru.peek('a') && lru.peek('c') && !lru.peek('b'));
  assert.equal(await lru.get('huge', 101, load('H')), 'H');
  assert.ok(!lru.peek('huge'), 'larger than the budget: served, not kept');
  await assert.rejects(lru.get('bad', 10, () => Promise.reject(new Error('boom'))));
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(!lru.peek('bad'));
  assert.ok(lru.bytes <= 100);
});

test('LayerCache: a layer too large to keep is sampled, and its exact columns come from shared streaming passes of bounded size', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurolens-cols-'));
  const [rows, channels] = [40, 6];
  const m = awkward(rows, channels, 9);
  const path = join(dir, 'a.npy');
  await writeNpy(path, m, [rows, channels]);
  const big = new LayerCache(10_000);
  const layers = await Promise.all(Array.from({ length: 8 }, () => big.layer(path, 3)));
  assert.ok(layers.every((l) => l === layers[0] && l.full !== null));
  assert.deepEqual([...big.lru.loads.values()], [1], 'eight concurrent requests, one load');
  assert.equal(await big.sample(path, 3), layers[0], 'a kept layer also serves as its sample');
  const small = new LayerCache(2 * rows * channels * 4 - 4); // the full matrix is over half of it
  const sampled = await small.layer(path, 3);
  assert.equal(sampled.full, null);
  assert.equal(small.columnsPerPass(rows), 2, 'a quarter of the budget holds two columns of 40 values');
  const asked = [0, 0, 1, 2, 3, 4, 5];
  const columns = await Promise.all(asked.map((c) => small.column(path, sampled, c)));
  assert.equal(small.columnPasses, 3, 'the columns asked for together: passes of two');
  columns.forEach((col, k) => assert.deepEqual(Array.from(col), Array.from({ length: rows }, (_, r) => m[r * channels + asked[k]!]!)));
  await small.column(path, sampled, 2);
  assert.equal(small.columnPasses, 4);
  // A pass that fails rejects every request waiting on it, and the next pass still runs.
  const missing = join(dir, 'gone.npy');
  const failed = await Promise.allSettled([small.column(missing, sampled, 0), small.column(missing, sampled, 0), small.column(missing, sampled, 1)]);
  assert.deepEqual(failed.map((f) => f.status), ['rejected', 'rejected', 'rejected']);
  assert.deepEqual(Array.from(await small.column(path, sampled, 5)), Array.from({ length: rows }, (_, r) => m[r * channels + 5]!));
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
