// `status`'s arithmetic: units left and the time left, before every shard has started.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rateOf, unitsLeft } from '../../src/scale/status.js';
import type { QueuedShardStatus } from '../../src/scale/types.js';

const shard = (index: number, state: QueuedShardStatus['state'], done: number, total?: number): QueuedShardStatus =>
  ({ index, state, done, attempts: 0, ...(total !== undefined ? { total } : {}) });

test('unitsLeft: waiting shards count as the mean size of the started ones', () => {
  // Two started shards of 256 and 192, two waiting: (256 − 200) + (192 − 192) + 2 × 224.
  const shards = [shard(0, 'running', 200, 256), shard(1, 'done', 192, 192), shard(2, 'waiting', 0), shard(3, 'waiting', 0)];
  assert.equal(unitsLeft(shards), 56 + 0 + 224 + 224);
  // Nothing started: no size is known, so no estimate.
  assert.equal(unitsLeft([shard(0, 'waiting', 0), shard(1, 'waiting', 0)]), undefined);
  // Every size known: exact.
  assert.equal(unitsLeft([shard(0, 'done', 10, 10), shard(1, 'running', 3, 8)]), 5);
});

test('rateOf: the time left shows while shards still wait, at the rate since the first start', () => {
  const shards = [shard(0, 'running', 100, 256), shard(1, 'waiting', 0), shard(2, 'waiting', 0)];
  const jobs = [{ processedOn: 1_000, finishedOn: undefined }, { processedOn: undefined, finishedOn: undefined }, undefined];
  const { rate, etaSeconds } = rateOf(jobs, shards, 11_000);
  assert.equal(rate, 10); // 100 units in 10 s
  assert.equal(etaSeconds, (156 + 256 + 256) / 10);
  // Before any unit is done there is no rate, hence no time left.
  assert.deepEqual(rateOf(jobs, [shard(0, 'running', 0, 256), shard(1, 'waiting', 0), shard(2, 'waiting', 0)], 11_000), {});
});

test('rateOf: once every shard is done the rate is over the time they took', () => {
  const shards = [shard(0, 'done', 50, 50), shard(1, 'done', 50, 50)];
  const jobs = [{ processedOn: 0, finishedOn: 4_000 }, { processedOn: 1_000, finishedOn: 5_000 }];
  assert.deepEqual(rateOf(jobs, shards, 60_000), { rate: 20, etaSeconds: 0 });
});
