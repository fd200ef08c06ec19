// A worker reports losing Redis even when Redis is back before its first reconnection attempt
// (no connection error is raised then, only a close), so an outage always shows in its log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, type RunningWorker, type WorkerEvent } from '../../src/index.js';
import { scaleMessages } from '../../src/messages/index.js';
import { findRedis, RedisServer } from '../helpers/redis.js';

const redisBinary = findRedis();
const skip = 'skip' in redisBinary ? redisBinary.skip : false;

async function until(what: string, condition: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('worker events (redis-server)', { skip, timeout: 60_000 }, () => {
  let redis: RedisServer;
  let worker: RunningWorker | undefined;
  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    await worker?.close();
    await redis?.stop();
  });

  test('a Redis restarted at once is reported as a lost connection', async () => {
    const events: WorkerEvent[] = [];
    worker = await startWorker({ redis: redis.url }, (e) => events.push(e));
    await until('the worker to be ready', () => events.some((e) => e.kind === 'ready'), 20_000);
    assert.equal(events.filter((e) => e.kind === 'connection').length, 0, 'no connection event before the restart');
    await redis.stop();
    await redis.restart();
    // BullMQ's first reconnection attempt comes 1 s after the close; by then Redis is back.
    await until('a connection event', () => events.some((e) => e.kind === 'connection'), 5_000);
    const lost = events.filter((e) => e.kind === 'connection');
    assert.ok(lost.some((e) => e.kind === 'connection' && e.message === scaleMessages.connectionClosed()), JSON.stringify(lost));
    // Closing waits for the reconnection (BullMQ retries 1 s after the close).
    await new Promise((r) => setTimeout(r, 1500));
    await worker.close();
    worker = undefined;
  });
});
