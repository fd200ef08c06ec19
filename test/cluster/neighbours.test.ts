// The GEMM neighbour search must give the brute-force κ bit for bit, including on data built to
// break a float32 search: exact duplicates, runs of more ties than a row's candidate list holds,
// zero rows (cosine distance 1 to everything), parallel copies, grid points with equal distances,
// and a large offset that makes the euclidean formula cancel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactNeighbours } from '../../src/cluster/exact.js';
import { gemmNeighbours } from '../../src/cluster/gemm-search.js';
import { linkNeighbours, minSimilarity } from '../../src/cluster/graph.js';
import { pointSpace, type Metric } from '../../src/cluster/space.js';
import { Random } from '../../src/util/random.js';

function matrix(rows: number[][]) {
  return { data: Float32Array.from(rows.flat()), rows: rows.length, dims: rows[0]!.length };
}

/** Checks κ and d(i, κ(i)) against brute force; returns how many rows took the full-row rescan. */
async function assertSame(rows: number[][], metric: Metric): Promise<number> {
  const exact = exactNeighbours(pointSpace(matrix(rows), metric));
  const gemm = await gemmNeighbours(pointSpace(matrix(rows), metric), { search: 'gemm', threads: 1 });
  assert.deepEqual(Array.from(gemm.kappa), Array.from(exact.kappa), `${metric}: κ differs`);
  assert.deepEqual(Array.from(gemm.dist), Array.from(exact.dist), `${metric}: d(i, κ(i)) differs`);
  return gemm.rescanned;
}

test('cosine: duplicates, 40-fold ties, zero rows and parallel copies', async () => {
  const rng = new Random(7);
  const base = Array.from({ length: 30 }, () => Array.from({ length: 12 }, () => rng.normal()));
  const rows: number[][] = [];
  for (let i = 0; i < 200; i++) rows.push(base[i % 30]!.map((v) => v + 0.05 * rng.normal()));
  for (let i = 0; i < 10; i++) rows.splice(rng.int(rows.length), 0, [...base[3]!]); // exact duplicates
  for (let i = 0; i < 40; i++) rows.splice(rng.int(rows.length), 0, [...base[5]!]); // more ties than a list holds
  for (let i = 0; i < 36; i++) rows.splice(rng.int(rows.length), 0, new Array(12).fill(0)); // zero rows
  for (let i = 0; i < 10; i++) rows.push(base[8]!.map((v) => v * (1 + i))); // same direction, other lengths
  assert.ok((await assertSame(rows, 'cosine')) >= 40 + 36, 'the tied rows should take the full-row rescan');
});

test('euclidean: grid points with equal distances, duplicates and a large offset', async () => {
  const rng = new Random(11);
  const rows: number[][] = [];
  for (let x = 0; x < 12; x++) for (let y = 0; y < 12; y++) rows.push([x, y, (x + y) % 3]);
  for (let i = 0; i < 40; i++) rows.push([4, 4, 2]); // ties beyond the candidate list
  for (let i = 0; i < 60; i++) rows.push([rng.int(12), rng.int(12), rng.int(3)]);
  assert.ok((await assertSame(rng.shuffle(rows), 'euclidean')) >= 40);
  assert.ok((await assertSame(rows.map((r) => r.map((v) => v * 0.25 + 3000)), 'euclidean')) >= 40);
});

test('random Gaussian data in 64 dimensions, both metrics', async () => {
  const rng = new Random(3);
  const rows = Array.from({ length: 500 }, () => Array.from({ length: 64 }, () => rng.normal()));
  await assertSame(rows, 'cosine');
  await assertSame(rows, 'euclidean');
});

test('pruned linking drops pairs with d·w > minSim but keeps sibling pairs within it', () => {
  // 0 and 1 are mutual first neighbours (w = 2); 2's first neighbour is 0, so 1 and 2 are siblings;
  // 3's first neighbour is 2. Distances: 0–1 = 1, 0–2 ≈ 1.118, 1–2 ≈ 1.803, 2–3 ≈ 4.031.
  const space = pointSpace(matrix([[0, 0], [1, 0], [-0.5, 1], [-4, 3]]), 'euclidean');
  const { kappa } = exactNeighbours(space);
  assert.deepEqual(Array.from(kappa), [1, 0, 0, 2]);
  assert.ok(Math.abs(minSimilarity(kappa, space) - Math.sqrt(16.25)) < 1e-12);
  assert.deepEqual(Array.from(linkNeighbours(kappa).labels), [0, 0, 0, 0]);
  // 0–1 is cut (2·1 > 1.9) but 1 stays in through its sibling 2 (1.803 ≤ 1.9); 2–3 is cut.
  assert.deepEqual(Array.from(linkNeighbours(kappa, { space, minSim: 1.9 }).labels), [0, 0, 0, 1]);
  // Below the sibling distance, 1 is on its own.
  assert.deepEqual(Array.from(linkNeighbours(kappa, { space, minSim: 1.5 }).labels), [0, 1, 0, 2]);
});
