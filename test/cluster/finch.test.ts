// finch(): input checks, hierarchy invariants, variants, requested counts and determinism.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { finch } from '../../src/cluster/finch.js';
import { NeurolensError } from '../../src/errors.js';
import { Random } from '../../src/util/random.js';

function blobs(seed: number, n: number, dims: number, centres: number, spread = 0.3): number[][] {
  const rng = new Random(seed);
  const c = Array.from({ length: centres }, () => Array.from({ length: dims }, () => rng.normal() * 3));
  return Array.from({ length: n }, () => c[rng.int(centres)]!.map((v) => v + spread * rng.normal()));
}

/** Labels 0..k−1 numbered by first appearance. */
function isFirstAppearance(labels: ArrayLike<number>): boolean {
  let next = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! > next) return false;
    if (labels[i] === next) next++;
  }
  return true;
}

async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof NeurolensError, `expected a NeurolensError, got ${String(error)}`);
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
}

test('bad input is refused with a one-line NeurolensError', async () => {
  await rejects(finch([]), /no rows/);
  await rejects(finch(new Float64Array(4) as unknown as Float32Array, { dims: 2 }), /data must be number\[\]\[\] .* got Float64Array/);
  await rejects(finch([[]]), /no rows/);
  await rejects(finch(new Float32Array(0), { dims: 2 }), /no rows/);
  await rejects(finch([[1, 2], [3]]), /data\[1\] has 1 values but data\[0\] has 2/);
  await rejects(finch([[1, 2], [3, NaN]]), /row 1, column 1 is NaN/);
  await rejects(finch([[1, 2], [3, 1e39]]), /row 1, column 1 is Infinity/);
  await rejects(finch(new Float32Array([1, 2, 3]), { dims: 2 }), /cannot be split/);
  await rejects(finch(new Float32Array([1, 2, 3, 4])), /cannot be split/);
  await rejects(finch([[1], [2]], { clusters: 0 }), /clusters must be a positive integer, got 0/);
  await rejects(finch([[1], [2]], { clusters: 1.5 }), /clusters must be a positive integer/);
  await rejects(finch([[1], [2]], { metric: 'manhattan' as 'cosine' }), /metric must be one of 'cosine', 'euclidean'/);
  await rejects(finch([[1], [2]], { variant: 'v0.3' as 'v0.2.1' }), /variant must be one of/);
  await rejects(finch([[1], [2]], { rows: 3 }), /option rows=3 does not match/);
});

test('hierarchy invariants: first-appearance labels, nested levels, strictly fewer clusters', async () => {
  const data = blobs(1, 600, 8, 12);
  for (const metric of ['cosine', 'euclidean'] as const) {
    const { partitions, counts } = await finch(data, { metric });
    assert.equal(partitions.length, counts.length);
    assert.ok(counts.at(-1)! > 1, 'the 1-cluster level is never returned');
    partitions.forEach((p, level) => {
      assert.equal(p.length, data.length);
      assert.ok(isFirstAppearance(p), `${metric} level ${level}: labels by first appearance`);
      assert.equal(new Set(p).size, counts[level]);
      if (level > 0) {
        assert.ok(counts[level]! < counts[level - 1]!);
        // Nested: points together at level−1 stay together.
        const parent = new Map<number, number>();
        p.forEach((label, i) => {
          const child = partitions[level - 1]![i]!;
          assert.equal(parent.get(child) ?? label, label);
          parent.set(child, label);
        });
      }
    });
  }
});

test('flat Float32Array and number[][] give the same, deterministic result', async () => {
  const data = blobs(2, 300, 5, 6);
  const a = await finch(data);
  const b = await finch(Float32Array.from(data.flat()), { dims: 5 });
  const c = await finch(Float32Array.from(data.flat()), { rows: 300 });
  assert.deepEqual(b, a);
  assert.deepEqual(c, a);
});

test('the GEMM search and brute force give identical hierarchies', async () => {
  const data = blobs(3, 400, 16, 10, 0.8);
  for (const metric of ['cosine', 'euclidean'] as const) {
    const exact = await finch(data, { metric, search: 'exact', clusters: 7 });
    const gemm = await finch(data, { metric, search: 'gemm', clusters: 7, threads: 1 });
    assert.deepEqual(gemm, exact, metric);
  }
});

test('tiny inputs: one row, two rows, all identical rows', async () => {
  assert.deepEqual(await finch([[1, 2]]), { partitions: [Int32Array.of(0)], counts: [1] });
  assert.deepEqual(await finch([[1, 2], [3, 4]], { clusters: 5 }), { partitions: [Int32Array.of(0, 0)], counts: [1], requested: Int32Array.of(0, 0) });
  const same = await finch(Array.from({ length: 5 }, () => [1, 1, 1]));
  assert.deepEqual(same.counts, [1]);
});

test('requested clusters: a level, the finest level, or one closest-pair merge at a time', async () => {
  const data = blobs(4, 500, 6, 9);
  const { partitions, counts } = await finch(data, { metric: 'euclidean' });
  assert.ok(counts.length >= 2, `need two levels, got ${counts.join(',')}`);
  const at = async (k: number) => (await finch(data, { metric: 'euclidean', clusters: k })).requested!;
  assert.deepEqual(await at(counts[1]!), partitions[1]);
  assert.deepEqual(await at(counts[0]! + 10), partitions[0]);
  for (const k of [1, 2, counts.at(-1)! - 1, counts[0]! - 1]) {
    const labels = await at(k);
    assert.equal(new Set(labels).size, k);
    assert.ok(isFirstAppearance(labels));
  }
  // One more merge than k+1 clusters: merging is one pair at a time, so k+1 → k joins two clusters.
  const k = counts[0]! - 3;
  const [finer, coarser] = [await at(k + 1), await at(k)];
  const joined = new Map<number, Set<number>>();
  finer.forEach((f, i) => joined.set(coarser[i]!, (joined.get(coarser[i]!) ?? new Set()).add(f)));
  assert.equal([...joined.values()].filter((s) => s.size === 2).length, 1);
  assert.equal([...joined.values()].filter((s) => s.size > 2).length, 0);
});

test('requested merges follow the closest pair of cluster means, recomputed after each merge', async () => {
  const data = blobs(5, 240, 4, 6, 0.6);
  for (const metric of ['cosine', 'euclidean'] as const) {
    const { partitions, counts } = await finch(data, { metric });
    for (const k of [counts[0]! - 15, 3]) {
      let level = 0;
      while (level + 1 < counts.length && counts[level + 1]! >= k) level++;
      if (counts[level] === k) continue;
      // Brute force: every pairwise distance between the current means, at every step.
      let labels = Array.from(partitions[level]!);
      for (let count = counts[level]!; count > k; count--) {
        const means = Array.from({ length: count }, (_, c) => {
          const members = data.filter((_, i) => labels[i] === c).map((r) => r.map((v) => Math.fround(v)));
          return members[0]!.map((_, dim) => members.reduce((s, r) => s + r[dim]!, 0) / members.length);
        });
        const distance = (x: number[], y: number[]): number =>
          metric === 'euclidean'
            ? Math.hypot(...x.map((v, i) => v - y[i]!))
            : 1 - x.reduce((s, v, i) => s + v * y[i]!, 0) / (Math.hypot(...x) * Math.hypot(...y));
        let best = [Infinity, -1, -1];
        for (let a = 0; a < count; a++) {
          for (let b = a + 1; b < count; b++) {
            const dd = distance(means[a]!, means[b]!);
            if (dd < best[0]! - 1e-9) best = [dd, a, b];
          }
        }
        const [, a, b] = best as [number, number, number];
        labels = labels.map((l) => (l === b ? a : l > b ? l - 1 : l));
      }
      const requested = (await finch(data, { metric, clusters: k })).requested!;
      assert.deepEqual(Array.from(requested), labels, `${metric}, ${k} clusters from ${counts[level]}`);
    }
  }
});

test('v0.2.2 discards a level that merges only one pair; v0.2.1 keeps it and stops', async () => {
  // A seed where the early-exit hierarchy ends on a one-pair level (12 → 5 → 4).
  const rng = new Random(4);
  const n = 12 + rng.int(30);
  const data = Array.from({ length: n }, () => [rng.normal(), rng.normal()]);
  const v021 = await finch(data, { metric: 'euclidean' });
  const v022 = await finch(data, { metric: 'euclidean', variant: 'v0.2.2', earlyExit: true });
  assert.deepEqual(v021.counts, [12, 5, 4]);
  assert.deepEqual(v022.counts, [12, 5]);
  assert.deepEqual(v022.partitions, v021.partitions.slice(0, 2));
  // Without pruning every cluster links to another, so a level at least halves the count and the
  // one-pair rule cannot fire: v0.2.2 equals v0.2.1 without early exit.
  assert.deepEqual(await finch(data, { metric: 'euclidean', variant: 'v0.2.2' }), await finch(data, { metric: 'euclidean', earlyExit: false }));
});

test('progress is reported per neighbour block and merge step', async () => {
  const events: string[] = [];
  await finch(blobs(6, 200, 4, 5), { search: 'gemm', threads: 1, clusters: 3, onProgress: (p) => events.push(`${p.phase}@${p.level}:${p.done}/${p.total}`) });
  assert.ok(events.some((e) => e.startsWith('neighbours@0:')));
  assert.ok(events.some((e) => e.startsWith('neighbours@1:')));
  const last = events.filter((e) => e.startsWith('merge')).at(-1);
  if (last) assert.match(last, /:(\d+)\/\1$/);
});
