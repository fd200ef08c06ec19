import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { multisetSum, poolBatch, selectTopK, tapShape, topKCount, type TapKind } from '../../src/record/pool.js';

const f = Math.fround;

/** Deterministic uniform [0, 1) (LCG); tests never depend on Math.random. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The values of neuron `j` of image `n`, in position order, read the naive way. */
function neuronValues(data: Float32Array, dims: number[], kind: TapKind, n: number, j: number): number[] {
  if (kind === 'feature') {
    const P = dims[2] * dims[3];
    return Array.from(data.subarray((n * dims[1] + j) * P, (n * dims[1] + j + 1) * P));
  }
  if (kind === 'tokens') {
    const [, T, D] = dims;
    return Array.from({ length: T }, (_, t) => data[(n * T + t) * D + j]);
  }
  return [data[n * dims[1] + j]];
}

/** Naive reference: position-order sum for mean, sort for max and top10. */
function reference(data: Float32Array, dims: number[], kind: TapKind) {
  const { images, neurons, positions } = tapShape(dims, kind);
  const k = topKCount(positions);
  const out = { mean: new Float32Array(images * neurons), max: new Float32Array(images * neurons), top10: new Float32Array(images * neurons) };
  for (let n = 0; n < images; n++) {
    for (let j = 0; j < neurons; j++) {
      const values = neuronValues(data, dims, kind, n, j);
      let sum = 0;
      for (const v of values) sum += v;
      const sorted = [...values].sort((a, b) => b - a);
      out.mean[n * neurons + j] = sum / positions;
      out.max[n * neurons + j] = sorted[0];
      out.top10[n * neurons + j] = multisetSum(sorted, 0, k) / k;
    }
  }
  return out;
}

describe('poolBatch by hand', () => {
  it('feature [N,C,H,W]: P=4 gives k=⌊0.4⌋→1, so top10 = max', () => {
    // image 0: channel 0 = [1, 2, 3, 4], channel 1 = [-1, -5, -2, -3]; image 1: [0,0,0,8], [2,2,2,2]
    const data = new Float32Array([1, 2, 3, 4, -1, -5, -2, -3, 0, 0, 0, 8, 2, 2, 2, 2]);
    const got = poolBatch(data, [2, 2, 2, 2], 'feature', ['mean', 'max', 'top10']);
    assert.deepEqual(Array.from(got.mean), [2.5, -2.75, 2, 2]);
    assert.deepEqual(Array.from(got.max), [4, -1, 8, 2]);
    assert.deepEqual(Array.from(got.top10), [4, -1, 8, 2]);
    assert.deepEqual(Object.keys(got), ['mean', 'max', 'top10']);
  });

  it('feature with P=20 (k=2) and ties at the cut', () => {
    // 1×1×4×5: values 0..4 repeated, so the top 2 are {4, 4} however the ties fall.
    const map = [0, 1, 2, 3, 4, 4, 3, 2, 1, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0];
    const got = poolBatch(new Float32Array(map), [1, 1, 4, 5], 'feature', ['top10', 'mean']);
    assert.deepEqual(Array.from(got.top10), [4]);
    assert.deepEqual(Array.from(got.mean), [f(30 / 20)]);
    // Three-way tie straddling the cut: top 2 of [7, 5, 5, 5, …] = {7, 5} → 6.
    const tie = [5, 1, 7, 5, 1, 1, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    assert.deepEqual(Array.from(poolBatch(new Float32Array(tie), [1, 1, 20, 1], 'feature', ['top10']).top10), [6]);
  });

  it('feature with P=100 (k=10) and P=3136 (k=313)', () => {
    // 0..99 in a scrambled order: top 10 = 90..99, mean 94.5.
    const perm = Array.from({ length: 100 }, (_, i) => (i * 37) % 100);
    assert.deepEqual(Array.from(poolBatch(new Float32Array(perm), [1, 1, 10, 10], 'feature', ['top10', 'max']).top10), [94.5]);
    // 56×56 map holding 0..3135 scrambled: top 313 = 2823..3135, mean 2979.
    const big = Array.from({ length: 3136 }, (_, i) => (i * 1003) % 3136); // gcd(1003, 3136) = 1
    assert.deepEqual(Array.from(poolBatch(new Float32Array(big), [1, 1, 56, 56], 'feature', ['top10']).top10), [2979]);
  });

  it('tokens [N,T,D]: neurons are the last axis, positions include the class token', () => {
    // 1 image, T=3 tokens (token 0 = class token), D=2: neuron 0 = [10, 1, 4], neuron 1 = [-2, 0, -1]
    const data = new Float32Array([10, -2, 1, 0, 4, -1]);
    const got = poolBatch(data, [1, 3, 2], 'tokens', ['mean', 'max', 'top10']);
    assert.deepEqual(Array.from(got.mean), [5, -1]);
    assert.deepEqual(Array.from(got.max), [10, 0]);
    assert.deepEqual(Array.from(got.top10), [10, 0]);
  });

  it('tokens with T=30 (k=3)', () => {
    // D=2: neuron 0 = t, neuron 1 = -t at token t, so top 3 are {29, 28, 27} and {0, -1, -2}.
    const data = new Float32Array(60);
    for (let t = 0; t < 30; t++) {
      data[t * 2] = t;
      data[t * 2 + 1] = t === 0 ? 0 : -t;
    }
    const got = poolBatch(data, [1, 30, 2], 'tokens', ['top10', 'mean', 'max']);
    assert.deepEqual(Array.from(got.top10), [28, -1]);
    assert.deepEqual(Array.from(got.mean), [14.5, -14.5]);
    assert.deepEqual(Array.from(got.max), [29, 0]);
  });

  it('vector [N,D]: every pooling is the value itself, in a fresh array', () => {
    const data = new Float32Array([1, -2, 3.5, 0]);
    const got = poolBatch(data, [2, 2], 'vector', ['mean', 'max', 'top10']);
    for (const pooled of [got.mean, got.max, got.top10]) {
      assert.deepEqual(pooled, data);
      assert.notEqual(pooled.buffer, data.buffer);
    }
  });

  it('rejects dims that do not fit', () => {
    assert.throws(() => poolBatch(new Float32Array(5), [1, 1, 2, 2], 'feature', ['mean']), /do not match/);
    assert.throws(() => poolBatch(new Float32Array(4), [1, 2, 2], 'feature', ['mean']), /need 4/);
    assert.throws(() => poolBatch(new Float32Array(0), [1, 0, 2], 'tokens', ['mean']), /no positions/);
    assert.throws(() => poolBatch(new Float32Array(4), [1, 1, 2, 2], 'feature', ['median' as 'mean']), /unknown pooling/);
  });
});

describe('poolBatch against a naive sort-based reference', () => {
  // Every top10 path: small buffer (k < 8), copy + partition (80 ≤ P < 128), sampled cut (P ≥ 128).
  const shapes: [TapKind, number[]][] = [
    ['feature', [2, 3, 1, 1]],
    ['feature', [2, 3, 5, 7]],
    ['feature', [2, 4, 9, 11]],
    ['feature', [2, 4, 14, 14]],
    ['feature', [1, 3, 56, 56]],
    ['tokens', [2, 50, 6]],
    ['tokens', [2, 99, 5]],
    ['tokens', [2, 197, 7]],
    ['vector', [3, 5]],
  ];
  const generators: [string, (r: () => number) => number][] = [
    ['uniform', (r) => r() * 2 - 1],
    ['relu, mostly zeros', (r) => Math.max(0, r() - 0.95)],
    ['few distinct values (ties)', (r) => Math.floor(r() * 4)],
    ['wide magnitudes', (r) => (r() - 0.3) * 10 ** Math.floor(r() * 12 - 6)],
  ];
  for (const [kind, dims] of shapes) {
    for (const [name, gen] of generators) {
      it(`${kind} [${dims.join(', ')}], ${name}`, () => {
        const r = rng(dims.reduce((a, b) => a * 31 + b, name.length));
        const data = new Float32Array(dims.reduce((a, b) => a * b)).map(() => gen(r));
        const got = poolBatch(data, dims, kind, ['mean', 'max', 'top10']);
        const want = reference(data, dims, kind);
        assert.deepEqual(got.mean, want.mean);
        assert.deepEqual(got.max, want.max);
        assert.deepEqual(got.top10, want.top10);
      });
    }
  }

  it('falls back correctly when the sampled cut is too high', () => {
    // The evenly spaced sample positions of a 3136-long map hold the largest values, so the cut
    // estimated from them leaves fewer than k values above it.
    const n = 3136;
    const data = new Float32Array(n).map((_, i) => (i % 7) / 10);
    for (let i = 0; i < 128; i++) data[Math.floor(((2 * i + 1) * n) / 256)] = 1000 + i;
    const got = poolBatch(data, [1, 1, 56, 56], 'feature', ['top10']);
    assert.deepEqual(got.top10, reference(data, [1, 1, 56, 56], 'feature').top10);
  });

  it('pools a repeated batch identically (no state leaks between calls)', () => {
    const r = rng(7);
    const data = new Float32Array(2 * 8 * 30 * 30).map(() => r());
    const first = poolBatch(data, [2, 8, 30, 30], 'feature', ['top10']).top10;
    poolBatch(new Float32Array(4 * 197 * 9).map(() => r()), [4, 197, 9], 'tokens', ['top10']);
    assert.deepEqual(poolBatch(data, [2, 8, 30, 30], 'feature', ['top10']).top10, first);
  });
});

describe('selection helpers', () => {
  it('topKCount is ⌊P/10⌋, at least 1', () => {
    assert.deepEqual([1, 9, 10, 19, 20, 30, 49, 196, 3136].map(topKCount), [1, 1, 1, 1, 2, 3, 4, 19, 313]);
  });

  it('selectTopK leaves the k largest at the end', () => {
    const r = rng(3);
    for (const [n, k] of [[10, 3], [100, 1], [100, 99], [1000, 100], [5000, 500]]) {
      const values = new Float32Array(n).map(() => Math.floor(r() * 50));
      const a = values.slice();
      selectTopK(a, 0, n, k);
      assert.deepEqual(a.slice(n - k).sort(), values.slice().sort().slice(n - k));
      assert.deepEqual(a.slice().sort(), values.slice().sort());
    }
  });

  it('multisetSum depends only on the multiset and is a true sum', () => {
    const r = rng(11);
    const values = new Float32Array(500).map(() => (r() - 0.5) * 10 ** Math.floor(r() * 16 - 8));
    const reversed = values.slice().reverse();
    const sorted = values.slice().sort();
    const s = multisetSum(values, 0, values.length);
    assert.equal(multisetSum(reversed, 0, values.length), s);
    assert.equal(multisetSum(sorted, 0, values.length), s);
    let naive = 0;
    for (const v of values) naive += v;
    let scale = 0;
    for (const v of values) scale += Math.abs(v);
    assert.ok(Math.abs(s - naive) <= scale * 1e-13);
    // Repeated values: `extra` × times equals adding them one by one.
    const withCopies = new Float32Array([...values, 0.3, 0.3, 0.3]);
    assert.equal(multisetSum(values, 0, values.length, f(0.3), 3), multisetSum(withCopies, 0, withCopies.length));
    assert.equal(multisetSum([1, 2, 3], 0, 3), 6);
    assert.equal(multisetSum([], 0, 0), 0);
  });
});
