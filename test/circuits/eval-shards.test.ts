/**
 * `circuits eval --shard I/N` + `merge`: the shards of the query list, evaluated apart (in any
 * order, one aborted after its first query and run again), merge into the very eval.json one
 * `circuits eval` writes; the merge refuses missing shards and shards made with other options.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { buildProgram } from '../../src/cli/program.js';
import { evaluateCircuits, evaluateCircuitsShard, listShards, mergeShards, type EvalOptions } from '../../src/index.js';
import { record } from '../../src/record/recorder.js';
import { runInProcess } from '../helpers/cli.js';
import { makeWorkspace, snapshotFiles } from '../record/helpers.js';

/** Of the tiny run's images, 6 and 29 have circuits at percentile 50; the others none. */
const QUERIES = [3, 6, 10, 17, 29, 33, 38];
const options = (run: string, extra: Partial<EvalOptions> = {}): EvalOptions => ({ run, queries: QUERIES, percentile: 50, draws: 2, steps: 3, threads: 1, batch: 16, ...extra });
const flags = (run: string, draws: number, shard: string) => ['circuits', 'eval', '--run', run, '--queries', QUERIES.join(','), '--percentile', '50', '--draws', String(draws), '--steps', '3', '--threads', '1', '--batch', '16', '--shard', shard];

function assertSameFiles(expectedRoot: string, actualRoot: string): void {
  const expected = snapshotFiles(expectedRoot);
  const actual = snapshotFiles(actualRoot);
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [name, bytes] of expected) assert.ok(bytes.equals(actual.get(name)!), `${name} differs from the single-process eval`);
}

test('circuits eval in 3 shards (scrambled, one aborted and resumed) + merge: byte-identical to one eval', { timeout: 300_000 }, async () => {
  const ws = await makeWorkspace(tinyResNet(), 40, { broken: false });
  const recorded = join(ws.dir, 'recorded');
  await record({ model: ws.model, images: ws.images, out: recorded, threads: 1 });
  const single = join(ws.dir, 'single');
  const sharded = join(ws.dir, 'sharded');
  cpSync(recorded, single, { recursive: true });
  cpSync(recorded, sharded, { recursive: true });
  const reference = await evaluateCircuits(options(single));
  assert.equal(reference.result.summary.withCircuits, 2, 'two queries have circuits (the merge must rebuild their summary)');

  await evaluateCircuitsShard(options(sharded), { index: 2, count: 3 });
  const cli = (...args: string[]) => runInProcess(buildProgram(), args, { env: { NEUROLENS_DEBUG: undefined } });
  const missing = await cli('merge', sharded);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^neurolens: error: circuits eval shards 0\/3, 1\/3 of .*sharded are missing; run the other shards' `npx neurolens circuits eval …` command with --shard 0\/3 \(and so on\), then merge again\n$/);

  const abort = new AbortController();
  await assert.rejects(evaluateCircuitsShard(options(sharded), { index: 0, count: 3 }, { signal: abort.signal, onProgress: () => abort.abort() }), { name: 'AbortError' });
  const aborted = (await listShards(sharded, 'circuits-eval')).find((s) => s.index === 0)!;
  assert.deepEqual([aborted.complete, aborted.done, aborted.size, aborted.unit], [false, 1, 2, 'query']);

  const other = await cli(...flags(sharded, 3, '0/3'));
  assert.equal(other.code, 1);
  assert.match(other.stderr, /holds a circuits eval shard made with different options; run it with the options it was started with, or delete .*circuits-eval-0-of-3 to start it again/);

  const viaCli = await cli(...flags(sharded, 2, '1/3'));
  assert.equal(viaCli.code, 0, viaCli.stderr);
  assert.match(viaCli.stdout, /^evaluated circuits eval shard 1\/3: 2 queries into .*sharded\/shards; run `npx neurolens merge .*sharded` once every shard is finished\n$/);
  const resumed = await evaluateCircuitsShard(options(sharded), { index: 0, count: 3 });
  assert.deepEqual([resumed.status, resumed.queries, resumed.evaluatedNow], ['complete', 2, 1]);

  const merged = await mergeShards(sharded);
  assert.deepEqual(merged.merged.map((m) => [m.stage, m.shards, m.units]), [['circuits-eval', 3, 7]]);
  assert.ok(!existsSync(join(sharded, 'shards')));
  assertSameFiles(single, sharded);
});

test('circuits eval shards made with different options are not merged', { timeout: 300_000 }, async () => {
  const ws = await makeWorkspace(tinyResNet(), 12, { broken: false });
  const run = join(ws.dir, 'run');
  await record({ model: ws.model, images: ws.images, out: run, threads: 1 });
  await evaluateCircuitsShard(options(run, { queries: [1, 2] }), { index: 0, count: 2 });
  await evaluateCircuitsShard(options(run, { queries: [1, 2], draws: 3 }), { index: 1, count: 2 });
  const result = await runInProcess(buildProgram(), ['merge', run]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /error: circuits eval shard 1\/2 of .*run was made with different options than shard 0\/2; delete .*circuits-eval-1-of-2 and run it again with the same command as the others, then merge again/);
  assert.ok(existsSync(join(run, 'shards', 'circuits-eval-0-of-2', 'shard.json')), 'nothing is lost');
});
