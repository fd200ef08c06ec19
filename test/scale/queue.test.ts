// Distributed record over BullMQ on a private redis-server: three worker processes, one killed
// with SIGKILL mid-shard, Redis restarted mid-run; the merged run must be byte-identical to a
// single-process record, corrupt images listed in skipped.jsonl exactly as a local run lists them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { queueStatus, submit, type StageStatus } from '../../src/index.js';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { CLI, ENV, makeWorkspace, recordHere, snapshotFiles, type Workspace } from '../record/helpers.js';
import { findRedis, RedisServer } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const redisBinary = findRedis();
const skip = 'skip' in redisBinary ? redisBinary.skip : false;

interface WorkerProcess {
  child: ChildProcess;
  stderr: string;
}

function startWorker(url: string): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'worker', '--redis', url, '--threads', '1', '--lock-ms', '2000'], { env: { ...ENV, NEUROLENS_DEBUG: '' } });
  const worker: WorkerProcess = { child, stderr: '' };
  child.stderr!.on('data', (d: Buffer) => (worker.stderr += d.toString()));
  return worker;
}

describe('record through the queue (redis-server, 3 workers)', { skip, timeout: 300_000 }, () => {
  let ws: Workspace;
  let redis: RedisServer;
  const workers: WorkerProcess[] = [];

  before(async () => {
    ws = await makeWorkspace(tinyResNet(), 120);
    redis = await RedisServer.start();
  });
  after(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await redis?.stop();
  });

  test('kill -9 of a worker mid-shard and a Redis restart: the merged run equals a single-process record, byte for byte', async () => {
    const reference = join(ws.dir, 'reference');
    const local = await recordHere(ws.model, ws.images, reference);
    assert.equal(local.status, 0, local.stderr);

    const run = join(ws.dir, 'queued');
    const options = { model: ws.model, images: ws.images, out: run, batch: 2, chunkSize: 8, threads: 1 };
    const queued = await submit({ redis: redis.url, work: { stage: 'record', options }, shards: 6 });
    assert.deepEqual({ added: queued.added, shards: queued.shards, run: queued.run }, { added: true, shards: 6, run });
    const again = await submit({ redis: redis.url, work: { stage: 'record', options }, shards: 6 });
    assert.equal(again.added, false, 'the same work queued twice is found, not doubled');

    for (let i = 0; i < 3; i++) workers.push(startWorker(redis.url));
    // The first worker to start a shard is killed at once, before it can finish it.
    const victim = await waitFor('a worker to start a shard', () => workers.find((w) => /shard \d+\/6 of .* started/.test(w.stderr)), 120_000);
    victim.child.kill('SIGKILL');
    const killedShard = /shard (\d+)\/6 of .* started/.exec(victim.stderr)![1];
    await new Promise((r) => victim.child.once('exit', r));
    assert.doesNotMatch(victim.stderr, new RegExp(`shard ${killedShard}/6 of .* done`), 'the worker died mid-shard');

    await redis.stop();
    await new Promise((r) => setTimeout(r, 500));
    await redis.restart();

    const final = await waitFor<StageStatus>(
      'the merge',
      async () => {
        const [status] = await queueStatus(run, { redis: redis.url });
        return status!.merge === 'done' || status!.merge === 'failed' ? status : undefined;
      },
      180_000,
    );
    assert.equal(final.merge, 'done', JSON.stringify(final));
    assert.deepEqual(final.shards.map((s) => s.state), Array(6).fill('done'));
    assert.equal(final.shards.reduce((sum, s) => sum + s.done, 0), 122, 'every image (2 undecodable) counted once');
    const survivors = workers.filter((w) => w !== victim).map((w) => w.stderr).join('');
    assert.match(survivors, new RegExp(`shard ${killedShard}/6 of .* done`), 'another worker finished the killed shard');
    assert.match(survivors, /redis: .*\(reconnecting\)/, 'the workers saw Redis go away');
    assert.equal(survivors.match(/merge of .* done/g)?.length, 1, 'the merge ran exactly once');

    const expected = snapshotFiles(reference);
    const actual = snapshotFiles(run);
    assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
    for (const [name, bytes] of expected) assert.ok(bytes.equals(actual.get(name)!), `${name} differs from the single-process run`);
    const skipped = readFileSync(join(run, 'skipped.jsonl'), 'utf8');
    assert.match(skipped, /broken\.jpg/);
    assert.match(skipped, /empty\.png/);
  });
});
