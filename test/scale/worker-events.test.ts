// A worker reports losing Redis even when Redis is back before its first reconnection attempt
// (no connection error is raised then, only a close), so an outage always shows in its log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, type RunningWorker, type WorkerEvent } from '../../src/index.js';
import { scaleMessages } from '../../src/messages/index.js';
import { findRedis, RedisServer } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const redisBinary = findRedis();
const skip = 'skip' in redisBinary ? redisBinary.skip : false;

describe('worker events (redis-server)', { skip, timeout: 60_000 }, () => {
  let redis: RedisServer;
  let worker: RunningWorker | undefined;
  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => {
    // A close issued while the worker is still reconnecting can wait forever: after a failed test,
    // give it the reconnection delay, and never more than 5 s to close.
    if (worker) {
      await new Promise((r) => setTimeout(r, 1500));
      await Promise.race([worker.close(), new Promise((r) => setTimeout(r, 5_000))]);
    }
    await redis?.stop();
  });

  test('a Redis restarted at once is reported as a lost connection', async () => {
    const events: WorkerEvent[] = [];
    worker = await startWorker({ redis: redis.url }, (e) => events.push(e));
    await waitFor('the worker to be ready', () => events.some((e) => e.kind === 'ready') || undefined, 20_000);
    assert.equal(events.filter((e) => e.kind === 'connection').length, 0, 'no connection event before the restart');
    await redis.stop();
    await redis.restart();
    // BullMQ's first reconnection attempt comes 1 s after the close; by then Redis is back.
    await waitFor('a connection event', () => events.some((e) => e.kind === 'connection') || undefined, 5_000);
    const lost = events.filter((e) => e.kind === 'connection');
    assert.ok(lost.some((e) => e.kind === 'connection' && e.message === scaleMessages.connectionClosed()), JSON.stringify(lost));
    // Closing waits for the reconnection (BullMQ retries 1 s after the close).
    await new Promise((r) => setTimeout(r, 1500));
    await worker.close();
    worker = undefined;
  });
});
