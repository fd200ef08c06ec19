/**
 * Shards of a recording: recorded apart (in any order, one aborted midway and run again), then
 * merged, they give the very files one `record` writes; the merge refuses what it cannot finish.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { buildProgram } from '../../src/cli/program.js';
import { record, recordShard, mergeShards, listShards, parseShard, type FinishedRecordShard, type RecordOptions } from '../../src/index.js';
import { runInProcess } from '../helpers/cli.js';
import { CLI, ENV, makeWorkspace, recordArgs, snapshotFiles, type Workspace } from './helpers.js';

process.env.SOURCE_DATE_EPOCH = ENV.SOURCE_DATE_EPOCH;

function options(ws: Workspace, out: string, extra: Partial<RecordOptions> = {}): RecordOptions {
  return { model: ws.model, images: ws.images, out, batch: 2, chunkSize: 8, threads: 1, ...extra };
}

function assertSameFiles(expectedRoot: string, actualRoot: string): void {
  const expected = snapshotFiles(expectedRoot);
  const actual = snapshotFiles(actualRoot);
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [name, bytes] of expected) assert.ok(bytes.equals(actual.get(name)!), `${name} differs from the single-process run`);
}

/** 40 images, the workspace's two undecodable files (sorted first) and one more in the middle of the list. */
async function workspace(): Promise<Workspace> {
  const ws = await makeWorkspace(tinyResNet(), 40);
  writeFileSync(join(ws.images, 'img0021b.png'), 'not a png either');
  return ws;
}

async function merge(run: string) {
  return runInProcess(buildProgram(), ['merge', run]);
}

test('3 shards recorded in scrambled order, then merged: byte-identical to one record, skipped images included', { timeout: 180_000 }, async () => {
  const ws = await workspace();
  const reference = join(ws.dir, 'reference');
  const single = await record(options(ws, reference));
  assert.equal(single.skipped, 3);
  const run = join(ws.dir, 'sharded');
  for (const index of [2, 0, 1]) {
    const result = await recordShard(options(ws, run), { index, count: 3 });
    assert.equal(result.status, 'complete');
  }
  const statuses = await listShards<FinishedRecordShard>(run, 'record');
  assert.deepEqual(statuses.map((s) => [s.index, s.count, s.complete, s.done, s.size]), [[0, 3, true, 2, 2], [1, 3, true, 2, 2], [2, 3, true, 2, 2]]);
  // The corrupt files fall into two different shards (43 entries, chunks of 8, two chunks a shard).
  assert.deepEqual(statuses.map((s) => s.finished!.skipped), [2, 1, 0]);
  assert.equal((await recordShard(options(ws, run), { index: 1, count: 3 })).status, 'unchanged');

  const merged = await merge(run);
  assert.equal(merged.code, 0, merged.stderr);
  assert.match(merged.stdout, /^merged 3 shards into .*sharded: 40 images \(3 skipped\)\n/);
  assert.ok(!existsSync(join(run, 'shards')), 'the shards are gone once merged');
  assertSameFiles(reference, run);

  // Merged runs behave as recorded ones: a second merge and a plain record have nothing to do.
  assert.match((await merge(run)).stdout, /already complete: 40 images, 3 skipped/);
  assert.equal((await record(options(ws, run))).status, 'unchanged');
  assert.equal((await recordShard(options(ws, run), { index: 0, count: 3 })).status, 'unchanged');
  assertSameFiles(reference, run);
});

test('a shard aborted after its first chunk, then run again, still merges identically; merge refuses missing and unfinished shards', { timeout: 180_000 }, async () => {
  const ws = await workspace();
  const reference = join(ws.dir, 'reference');
  await record(options(ws, reference));
  const run = join(ws.dir, 'sharded');
  await recordShard(options(ws, run), { index: 0, count: 3 });
  await recordShard(options(ws, run), { index: 2, count: 3 });

  const missing = await merge(run);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim().split('\n').length, 1);
  assert.match(missing.stderr, /error: record shard 1\/3 of .*sharded is missing; run the other shards' `npx neurolens record …` command with --shard 1\/3, then merge again/);

  const abort = new AbortController();
  await assert.rejects(recordShard(options(ws, run), { index: 1, count: 3 }, { signal: abort.signal, onChunk: () => abort.abort() }), { name: 'AbortError' });
  const status = (await listShards<FinishedRecordShard>(run, 'record')).find((s) => s.index === 1)!;
  assert.deepEqual([status.complete, status.done, status.size], [false, 1, 2]);
  const unfinished = await merge(run);
  assert.equal(unfinished.code, 1);
  assert.match(unfinished.stderr, /error: record shard 1\/3 of .*sharded is not finished; run its `npx neurolens record … --shard I\/N` command again \(it resumes\), then merge again\n$/);

  // A plain record into the run is refused: it would ignore the shards' work.
  const plain = await runInProcess(buildProgram(), ['record', '--model', ws.model, '--images', ws.images, '--out', run, '--batch', '2', '--chunk', '8', '--threads', '1']);
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, /holds shards of a recording .*; run `npx neurolens merge .*sharded` once every shard is finished/);

  const resumed = await recordShard(options(ws, run), { index: 1, count: 3 });
  assert.equal(resumed.status, 'complete');
  assert.equal(resumed.recordedNow, 8, 'only the chunk that was not journaled is recorded again');
  assert.equal((await mergeShards(run)).status, 'complete');
  assertSameFiles(reference, run);
});

/** Runs `node args` as its own process; resolves with its exit code and stderr. */
function runProcess(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: ENV });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

test('3 shards recorded at the same time by 3 processes into one RUN, then merged: byte-identical to one record', { timeout: 300_000 }, async () => {
  const ws = await workspace();
  const reference = join(ws.dir, 'reference');
  await record(options(ws, reference));
  const run = join(ws.dir, 'sharded');
  const results = await Promise.all([0, 1, 2].map((index) => runProcess(['--import', 'tsx', CLI, ...recordArgs(ws.model, ws.images, run), '--shard', `${index}/3`])));
  for (const result of results) assert.equal(result.code, 0, result.stderr);
  assert.equal((await mergeShards(run)).status, 'complete');
  assertSameFiles(reference, run);
});

test('merge refuses shards of different splits or different runs, naming what to do', { timeout: 120_000 }, async () => {
  const ws = await makeWorkspace(tinyResNet(), 6, { broken: false });
  const run = join(ws.dir, 'run');
  await recordShard(options(ws, run), { index: 0, count: 2 });
  await recordShard(options(ws, run, { topK: 3 }), { index: 1, count: 2 });
  // A finished shard is not redone with other options: the refusal names what differs.
  await assert.rejects(recordShard(options(ws, run), { index: 1, count: 2 }), /record-1-of-2 already holds a recording with a different top-k; choose another --out/);
  const disagree = await merge(run);
  assert.equal(disagree.code, 1);
  assert.match(disagree.stderr, /error: record shard 1\/2 of .*run was made with a different top-k than shard 0\/2; delete .*record-1-of-2 and run it again/);
  await recordShard(options(ws, run), { index: 0, count: 1 });
  assert.match((await merge(run)).stderr, /error: .*shards holds record shards of different splits \(of 1 and of 2\); delete the folders of the split you do not want/);
  assert.match((await merge(join(ws.dir, 'nothing'))).stderr, /error: .*nothing holds no shards to merge \(no .*nothing\/shards\/record-I-of-N, circuits-eval-I-of-N, visualize-I-of-N, attribute-I-of-N or attribute-eval-I-of-N\); make them first with `npx neurolens record … --out .*nothing --shard I\/N`/);
});

test('more shards than chunks: the empty shards finish at once and the merge is still byte-identical', { timeout: 120_000 }, async () => {
  const ws = await makeWorkspace(tinyResNet(), 6, { broken: false });
  const reference = join(ws.dir, 'reference');
  await record(options(ws, reference));
  const run = join(ws.dir, 'run');
  const results = [];
  for (const index of [3, 1, 0, 2]) results.push(await recordShard(options(ws, run), { index, count: 4 }));
  assert.deepEqual(results.map((r) => r.images), [6, 0, 0, 0], 'one chunk of 8: the last shard records it');
  assert.equal((await mergeShards(run)).status, 'complete');
  assertSameFiles(reference, run);
});

test('--shard takes I/N with 0 <= I < N and refuses anything else, naming --shard', async () => {
  assert.deepEqual(parseShard('0/3'), { index: 0, count: 3 });
  assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
  const ws = await makeWorkspace(tinyResNet(), 1, { broken: false });
  for (const [value, reason] of [['3/3', /has index 3, but the shards of 3 are numbered 0 to 2/], ['a/b', /is not of the form I\/N/], ['1/0', /has a count N of 0/], ['-1/3', /is not of the form I\/N/]] as const) {
    const result = await runInProcess(buildProgram(), ['record', '--model', ws.model, '--images', ws.images, '--out', join(ws.dir, 'run'), '--shard', value]);
    assert.equal(result.code, 2, `${value}: ${result.stderr}`);
    assert.match(result.stderr, new RegExp(`--shard '${value.replace('/', '\\/')}' `));
    assert.match(result.stderr, reason);
    assert.match(result.stderr, /pass --shard I\/N with 0 <= I < N/);
    assert.ok(!existsSync(join(ws.dir, 'run')), 'nothing written');
  }
});
