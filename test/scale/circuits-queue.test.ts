// `circuits eval` through the queue: shards of the query list run by an in-process worker, merged
// once by the flow's merge job, give the very eval.json a single `circuits eval` writes; `status`
// counts queries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateCircuits, queueStatus, startWorker, submit, waitForStage, type EvalOptions, type StageStatus } from '../../src/index.js';
import { buildProgram } from '../../src/cli/program.js';
import { runInProcess } from '../helpers/cli.js';
import { record } from '../../src/record/recorder.js';
import { formatStatus } from '../../src/cli/commands/scale-format.js';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { assertSameFiles, makeWorkspace } from '../record/helpers.js';
import { findRedis, RedisServer } from '../helpers/redis.js';

const redisBinary = findRedis();
const QUERIES = [3, 6, 10, 17, 29, 33, 38];
const options = (run: string): EvalOptions => ({ run, queries: QUERIES, percentile: 50, draws: 2, steps: 3, threads: 1, batch: 16 });

test('circuits eval queued as 3 shards, run by a worker, merged: byte-identical to one eval', { skip: 'skip' in redisBinary ? redisBinary.skip : false, timeout: 300_000 }, async () => {
  const ws = await makeWorkspace(tinyResNet(), 40, { broken: false });
  const recorded = join(ws.dir, 'recorded');
  await record({ model: ws.model, images: ws.images, out: recorded, threads: 1 });
  const single = join(ws.dir, 'single');
  const queued = join(ws.dir, 'queued');
  cpSync(recorded, single, { recursive: true });
  cpSync(recorded, queued, { recursive: true });
  await evaluateCircuits(options(single));

  const redis = await RedisServer.start();
  const events: string[] = [];
  const worker = await startWorker({ redis: redis.url, concurrency: 2 }, (e) => events.push(e.kind === 'completed' || e.kind === 'started' ? `${e.kind} ${e.job}` : e.kind));
  try {
    const result = await submit({ redis: redis.url, work: { stage: 'circuits-eval', options: options(queued) }, shards: 3 });
    assert.equal(result.run, queued);
    const status: StageStatus = await waitForStage(queued, 'circuits-eval', { redis: redis.url });
    assert.equal(status.merge, 'done', JSON.stringify(status));
    const [again] = await queueStatus(queued, { redis: redis.url });
    assert.deepEqual(again, status, 'status after the wait reads the same');
    const cli = await runInProcess(buildProgram(), ['status', queued, '--redis', redis.url, '--wait'], { env: { NEUROLENS_DEBUG: undefined } });
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /^circuits eval of .*queued: 3\/3 shards done/);
    assert.equal(status.unit, 'query');
    assert.deepEqual(status.shards.map((s) => [s.state, s.done]), [['done', 2], ['done', 2], ['done', 3]]);
    assert.match(formatStatus([status]), /^circuits eval of .*queued: 3\/3 shards done, 0 running, 0 failed, 0 waiting; merge done\n {2}7\/7 queries, [\d.]+ queries\/s\n$/);
    assert.equal(events.filter((e) => e === 'completed merge').length, 1, 'the merge ran once');
  } finally {
    await worker.close();
    await redis.stop();
  }
  assertSameFiles(single, queued, 'the single-process eval');
});
