// FINCH must reproduce the reference partitions exactly (every level, labels by first appearance),
// for both neighbour searches. The full golden file lives in ../shared (skipped when absent); two of
// its cases are copied into test/cluster/fixtures/finch-small.json so CI without ../shared still
// checks exactness.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { finch, type FinchOptions } from '../../src/cluster/finch.js';

interface Hierarchy {
  num_clust: number[];
  c: number[][];
}
interface GoldenCase {
  name: string;
  metric: 'cosine' | 'euclidean';
  data: number[][];
  'v0.2.1': Hierarchy;
  'v0.2.2': Hierarchy;
  'v0.2.1_noEarlyExit': Hierarchy;
  'v0.2.1_req_clust': Record<string, { labels: number[]; n_clusters_returned: number }>;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const sharedGolden = join(repoRoot, '..', 'shared', 'finch', 'golden.json');
const fixture = join(repoRoot, 'test', 'cluster', 'fixtures', 'finch-small.json');
const SHARED_MISSING = `../shared/finch/golden.json not found at ${sharedGolden}; the in-repo fixture test still checks exactness`;

const HIERARCHIES: [keyof GoldenCase & string, FinchOptions][] = [
  ['v0.2.1', { variant: 'v0.2.1' }],
  ['v0.2.2', { variant: 'v0.2.2' }],
  ['v0.2.1_noEarlyExit', { variant: 'v0.2.1', earlyExit: false }],
];

function load(path: string): GoldenCase[] {
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: GoldenCase[] }).cases;
}

async function checkHierarchy(c: GoldenCase, key: string, options: FinchOptions): Promise<number> {
  const expected = c[key as 'v0.2.1'];
  const result = await finch(c.data, { metric: c.metric, ...options });
  assert.deepEqual(result.counts, expected.num_clust, `${c.name} ${key} (${options.search}): cluster counts`);
  expected.c.forEach((partition, level) => {
    assert.deepEqual(Array.from(result.partitions[level]!), partition, `${c.name} ${key} (${options.search}): level ${level}`);
  });
  return expected.c.length;
}

async function checkRequested(c: GoldenCase, k: string, options: FinchOptions): Promise<number> {
  const expected = c['v0.2.1_req_clust'][k]!;
  const result = await finch(c.data, { metric: c.metric, clusters: Number(k), ...options });
  assert.deepEqual(Array.from(result.requested!), expected.labels, `${c.name} clusters=${k} (${options.search})`);
  assert.equal(new Set(result.requested).size, expected.n_clusters_returned);
  return 1;
}

/** Every partition of every case with brute-force neighbours; returns how many matched. */
async function checkAllExact(cases: GoldenCase[]): Promise<number> {
  let matched = 0;
  for (const c of cases) {
    for (const [key, options] of HIERARCHIES) matched += await checkHierarchy(c, key, { ...options, search: 'exact' });
    for (const k of Object.keys(c['v0.2.1_req_clust'])) matched += await checkRequested(c, k, { search: 'exact' });
  }
  return matched;
}

/**
 * The GEMM path on the default hierarchy and one requested count per case (each level starts an
 * onnxruntime session, so the rest is left to the exact run: both searches give the same κ).
 */
async function checkGemm(cases: GoldenCase[]): Promise<number> {
  let matched = 0;
  for (const c of cases) {
    matched += await checkHierarchy(c, 'v0.2.1', { search: 'gemm', threads: 1 });
    matched += await checkRequested(c, Object.keys(c['v0.2.1_req_clust'])[0]!, { search: 'gemm', threads: 1 });
  }
  return matched;
}

test('in-repo fixture: every partition matches the reference (exact search)', async () => {
  const matched = await checkAllExact(load(fixture));
  assert.equal(matched, 27);
});

test('in-repo fixture: the onnxruntime GEMM search gives the same partitions', async () => {
  const matched = await checkGemm(load(fixture));
  assert.equal(matched, 9);
});

test('../shared golden: every partition matches the reference (exact search)', { skip: existsSync(sharedGolden) ? false : SHARED_MISSING }, async () => {
  const matched = await checkAllExact(load(sharedGolden));
  assert.equal(matched, 52);
});

test('../shared golden: the onnxruntime GEMM search gives the same partitions', { skip: existsSync(sharedGolden) ? false : SHARED_MISSING }, async () => {
  const matched = await checkGemm(load(sharedGolden));
  assert.equal(matched, 19);
});
