import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  STATS_COLUMNS,
  activeCount,
  computeNeuronStats,
  countActive,
  quantileLinear,
  type RowRangeReader,
} from '../../src/record/stats.js';
import { NpyReader, writeNpy } from '../../src/store/npy.js';

const f = Math.fround;
const dir = mkdtempSync(join(tmpdir(), 'neurolens-stats-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A reader over an in-memory row-major matrix that also records the calls it got. */
function memoryReader(matrix: Float32Array, channels: number, calls: [number, number][] = []): RowRangeReader {
  return (start, count) => {
    calls.push([start, count]);
    return matrix.slice(start * channels, (start + count) * channels);
  };
}

function statsRow(stats: Float32Array, c: number): number[] {
  return Array.from(stats.subarray(c * 7, c * 7 + 7));
}

describe('computeNeuronStats by hand', () => {
  // 5 images × 3 channels, written by columns:
  //   ch0 = [1, 2, 3, 4, 5], ch1 = [5, 2, 0, 4, 1], ch2 = [0, 2, 2, 9, 2]
  // Rows: [1,5,0] [2,2,2] [3,0,2] [4,4,9] [5,1,2]. ⌈3/10⌉ = 1 active neuron per image:
  //   row0 → ch1; row1 three-way tie → ch0 (lowest index); row2 → ch0; row3 → ch2; row4 → ch0.
  const cols = [
    [1, 2, 3, 4, 5],
    [5, 2, 0, 4, 1],
    [0, 2, 2, 9, 2],
  ];
  const matrix = new Float32Array(15);
  cols.forEach((col, c) => col.forEach((v, i) => (matrix[i * 3 + c] = v)));

  it('mean, std, rate, quantiles and top-k', async () => {
    const got = await computeNeuronStats(memoryReader(matrix, 3), { images: 5, channels: 3, k: 3 });
    assert.deepEqual(got.columns, ['mean', 'std', 'rate', 'q50', 'q90', 'q99', 'q995']);
    assert.equal(got.k, 3);
    // ch0 sorted [1,2,3,4,5]: h = 4q → q50: x[2] = 3; q90: h = 3.6 → 5 − 1·0.4 = 4.6;
    // q99: h = 3.96 → 5 − 0.04 = 4.96; q995: h = 3.98 → 4.98. Population variance 10/5 = 2.
    assert.deepEqual(statsRow(got.stats, 0), [3, f(Math.sqrt(2)), f(0.6), 3, f(4.6), f(4.96), f(4.98)]);
    // ch1 sorted [0,1,2,4,5]: mean 2.4, variance (6.76+0.16+5.76+2.56+1.96)/5 = 3.44.
    assert.deepEqual(statsRow(got.stats, 1), [f(2.4), f(Math.sqrt(3.44)), f(0.2), 2, f(4.6), f(4.96), f(4.98)]);
    // ch2 sorted [0,2,2,2,9]: mean 3, variance (9+1+1+36+1)/5 = 9.6; q90 = 9 − 7·0.4 = 6.2,
    // q99 = 9 − 7·0.04 = 8.72, q995 = 9 − 7·0.02 = 8.86.
    assert.deepEqual(statsRow(got.stats, 2), [3, f(Math.sqrt(9.6)), f(0.2), 2, f(6.2), f(8.72), f(8.86)]);
    // Top 3 by value desc, ties by index asc: ch2 has 9 at image 3, then 2 at images 1, 2, 4.
    assert.deepEqual(Array.from(got.topk), [4, 3, 2, 0, 3, 1, 3, 1, 2]);
  });

  it('clamps k to the image count and defaults it to 100', async () => {
    const got = await computeNeuronStats(memoryReader(matrix, 3), { images: 5, channels: 3 });
    assert.equal(got.k, 5);
    assert.deepEqual(Array.from(got.topk.subarray(0, 5)), [4, 3, 2, 1, 0]);
    assert.deepEqual(Array.from(got.topk.subarray(10, 15)), [3, 1, 2, 4, 0]);
  });

  it('handles a single image', async () => {
    const got = await computeNeuronStats(memoryReader(new Float32Array([7, -1]), 2), { images: 1, channels: 2, k: 10 });
    assert.deepEqual(statsRow(got.stats, 0), [7, 0, 1, 7, 7, 7, 7]);
    assert.deepEqual(statsRow(got.stats, 1), [-1, 0, 0, -1, -1, -1, -1]);
    assert.deepEqual(Array.from(got.topk), [0, 0]);
  });
});

describe('quantileLinear (numpy "linear")', () => {
  it('matches values worked out by hand', () => {
    // n = 2: h = q → q995 = 10 − 10·0.005 = 9.95 (numpy's _lerp uses b − diff·(1 − t) for t ≥ 0.5)
    assert.equal(quantileLinear([0, 10], 2, 0.995), 10 - 10 * (1 - 0.995));
    assert.equal(quantileLinear([0, 10], 2, 0.25), 2.5);
    assert.equal(quantileLinear([0, 10], 2, 0.5), 5);
    // n = 11: h = 10q exactly on order statistics for q50, lands between for q99 (h = 9.9)
    const s = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20];
    assert.equal(quantileLinear(s, 11, 0.5), 5);
    const t = 10 * 0.99 - 9; // h = 9.9: between x[9] = 9 and x[10] = 20, t ≥ 0.5
    assert.equal(quantileLinear(s, 11, 0.99), 20 - 11 * (1 - t));
    assert.equal(quantileLinear([4], 1, 0.9), 4);
    assert.equal(quantileLinear(s, 11, 1), 20);
    assert.equal(quantileLinear(s, 11, 0), 0);
  });
});

describe('activation rate', () => {
  it('activeCount is ⌈C/10⌉', () => {
    assert.deepEqual([1, 3, 10, 11, 64, 512, 768].map(activeCount), [1, 1, 1, 2, 7, 52, 77]);
  });

  it('picks exactly ⌈C/10⌉ per row, breaking ties at the cut by lower channel', () => {
    // C = 25 → 3 active. Values: one clear winner (ch 20 = 9), then a four-way tie at 5
    // (channels 3, 7, 12, 24) for the remaining two slots → channels 3 and 7.
    const row = new Float32Array(25).fill(1);
    row[20] = 9;
    for (const c of [24, 12, 7, 3]) row[c] = 5;
    const counts = new Float64Array(25);
    countActive(row, 0, 25, counts, new Float32Array(25));
    assert.deepEqual([...counts.keys()].filter((c) => counts[c] > 0), [3, 7, 20]);
  });

  it('on a constructed matrix', async () => {
    // 4 images × 20 channels (2 active per image). Image i makes channels i and i+10 largest;
    // image 3 is all equal, so channels 0 and 1 win the tie.
    const C = 20;
    const m = new Float32Array(4 * C);
    for (let i = 0; i < 3; i++) {
      m[i * C + i] = 2;
      m[i * C + i + 10] = 3;
    }
    m.fill(0.5, 3 * C);
    const got = await computeNeuronStats(memoryReader(m, C), { images: 4, channels: C, k: 1 });
    const rates = Array.from({ length: C }, (_, c) => got.stats[c * 7 + 2]);
    const want = new Array(C).fill(0);
    for (const c of [0, 1, 2, 10, 11, 12]) want[c] = 0.25;
    want[0] = 0.5;
    want[1] = 0.5;
    assert.deepEqual(rates, want.map(f));
    assert.equal(rates.reduce((a, b) => a + b), 2); // 2 active per image on average
  });
});

describe('blocks and readers', () => {
  const images = 301;
  const C = 37;
  const r = rng(5);
  // Few distinct values so that top-k and the activation cut both meet ties.
  const matrix = new Float32Array(images * C).map(() => Math.floor(r() * 20) / 4 - 1);

  it('channel blocks and row chunks do not change any result', async () => {
    const calls: [number, number][] = [];
    const whole = await computeNeuronStats(memoryReader(matrix, C, calls), { images, channels: C, k: 50 });
    assert.deepEqual(calls, [[0, images]]); // one block, one read
    for (const [blockChannels, rowChunkBytes] of [[1, 4 * C * 7], [5, 1], [36, 4 * C * 100]]) {
      const chunked: [number, number][] = [];
      const got = await computeNeuronStats(memoryReader(matrix, C, chunked), { images, channels: C, k: 50, blockChannels, rowChunkBytes });
      assert.deepEqual(got.stats, whole.stats);
      assert.deepEqual(got.topk, whole.topk);
      assert.ok(chunked.length > 1);
    }
    // blockBytes picks the block size: room for 10 columns of 301 floats → 4 blocks.
    const progress: number[] = [];
    const viaBytes = await computeNeuronStats(memoryReader(matrix, C), {
      images, channels: C, k: 50, blockBytes: 10 * images * 4, onProgress: (done) => progress.push(done),
    });
    assert.deepEqual(progress, [10, 20, 30, 37]);
    assert.deepEqual(viaBytes.stats, whole.stats);
  });

  it('agrees with a naive reference', async () => {
    const got = await computeNeuronStats(memoryReader(matrix, C), { images, channels: C, k: 50 });
    const a = activeCount(C);
    const active = new Array(C).fill(0);
    for (let i = 0; i < images; i++) {
      const order = Array.from({ length: C }, (_, c) => c).sort((x, y) => matrix[i * C + y] - matrix[i * C + x] || x - y);
      for (const c of order.slice(0, a)) active[c]++;
    }
    for (let c = 0; c < C; c++) {
      const col = Array.from({ length: images }, (_, i) => matrix[i * C + c]);
      const mean = col.reduce((s, v) => s + v, 0) / images;
      const std = Math.sqrt(col.reduce((s, v) => s + (v - mean) ** 2, 0) / images);
      const sorted = [...col].sort((x, y) => x - y);
      const q = (p: number) => {
        const h = (images - 1) * p;
        const lo = Math.floor(h);
        const t = h - lo;
        const x0 = sorted[lo];
        const x1 = sorted[Math.min(lo + 1, images - 1)];
        return t >= 0.5 ? x1 - (x1 - x0) * (1 - t) : x0 + (x1 - x0) * t;
      };
      assert.deepEqual(statsRow(got.stats, c), [mean, std, active[c] / images, q(0.5), q(0.9), q(0.99), q(0.995)].map(f), `channel ${c}`);
      const top = Array.from({ length: images }, (_, i) => i).sort((x, y) => col[y] - col[x] || x - y).slice(0, 50);
      assert.deepEqual(Array.from(got.topk.subarray(c * 50, c * 50 + 50)), top, `top-k of channel ${c}`);
    }
  });

  it('reads a .npy matrix through NpyReader', async () => {
    const path = join(dir, 'acts.npy');
    await writeNpy(path, matrix, [images, C]);
    const reader = await NpyReader.open(path);
    try {
      const fromFile = await computeNeuronStats((s, n) => reader.readFloat32Rows(s, n), {
        images, channels: C, k: 20, blockChannels: 8, rowChunkBytes: 4 * C * 64,
      });
      const inMemory = await computeNeuronStats(memoryReader(matrix, C), { images, channels: C, k: 20 });
      assert.deepEqual(fromFile.stats, inMemory.stats);
      assert.deepEqual(fromFile.topk, inMemory.topk);
    } finally {
      await reader.close();
    }
  });

  it('rejects a reader that returns the wrong amount', async () => {
    await assert.rejects(computeNeuronStats(() => new Float32Array(3), { images: 2, channels: 2 }), /reader gave 3 values/);
  });

  it('zero images gives NaN summaries and no top-k', async () => {
    const got = await computeNeuronStats(() => new Float32Array(0), { images: 0, channels: 2 });
    assert.equal(got.k, 0);
    assert.equal(got.topk.length, 0);
    assert.ok(got.stats.every(Number.isNaN));
  });

  it('quantiles, mean and std agree with numpy', async (t) => {
    const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      t.skip('python3 with numpy is not available; the hand-computed checks above stand alone');
      return;
    }
    const noisy = new Float32Array(images * C).map(() => (r() - 0.3) * 3);
    const path = join(dir, 'noisy.npy');
    await writeNpy(path, noisy, [images, C]);
    const script = [
      'import json, sys, numpy as np',
      "m = np.load(sys.argv[1], mmap_mode='r').astype(np.float64)",
      "q = np.quantile(m, [0.5, 0.9, 0.99, 0.995], axis=0, method='linear')",
      'out = np.stack([m.mean(axis=0), m.std(axis=0), q[0], q[1], q[2], q[3]], axis=1).astype(np.float32)',
      'print(json.dumps(out.tolist()))',
    ].join('\n');
    const run = spawnSync('python3', ['-c', script, path], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const want = JSON.parse(run.stdout) as number[][];
    const got = await computeNeuronStats(memoryReader(noisy, C), { images, channels: C });
    for (let c = 0; c < C; c++) {
      const [mean, std, , ...qs] = statsRow(got.stats, c);
      // Quantiles: the same order statistics and interpolation, so bit-identical.
      assert.deepEqual(qs, want[c].slice(2), `quantiles of channel ${c}`);
      // numpy sums pairwise rather than left to right: equal up to float32 rounding.
      assert.ok(Math.abs(mean - want[c][0]) <= 1e-6 * Math.max(1, Math.abs(mean)), `mean of channel ${c}`);
      assert.ok(Math.abs(std - want[c][1]) <= 1e-6 * Math.max(1, std), `std of channel ${c}`);
    }
  });
});

describe('constants', () => {
  it('exports the stats column names in storage order', () => {
    assert.deepEqual([...STATS_COLUMNS], ['mean', 'std', 'rate', 'q50', 'q90', 'q99', 'q995']);
  });
});

describe('non-finite values', () => {
  it('counts NaN and ±Inf, ranks NaN below every number and gives NaN summaries for a column with NaN', async () => {
    // 5 images × 3 channels; channel 0 holds a NaN and the largest number, channel 1 an +Inf.
    const matrix = Float32Array.from([
      NaN, 1, 0,
      5, Infinity, 0,
      2, 3, -Infinity,
      NaN, 2, 0,
      4, 0, 0,
    ]);
    const result = await computeNeuronStats(memoryReader(matrix, 3), { images: 5, channels: 3, k: 4, blockChannels: 1 });
    assert.equal(result.nonFinite, 4);
    const topk = (c: number) => Array.from(result.topk.subarray(c * 4, c * 4 + 4));
    assert.deepEqual(topk(0), [1, 4, 2, 0], 'numbers first by value, then the NaN images by index');
    assert.deepEqual(topk(1), [1, 2, 3, 0]);
    const [mean, std, , ...quantiles] = statsRow(result.stats, 0);
    assert.ok([mean, std, ...quantiles].every(Number.isNaN));
    assert.equal(statsRow(result.stats, 1)[0], Infinity);
    // One active channel per image (⌈3/10⌉); a NaN is never the active one.
    assert.deepEqual([0, 1, 2].map((c) => statsRow(result.stats, c)[2]), [f(1 / 5), f(4 / 5), 0]);
  });
});
