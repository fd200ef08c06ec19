// `attribute` and `attribute eval` through the queue: image-list shards run by an in-process
// worker and merged by the flow's merge job equal one `attribute` (one `attribute eval`) byte for
// byte, undecodable images included; --sanity, which needs every image, is refused at submit
// time, and so is a second method for an OUT whose first is still queued.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { evaluateAttributions, runAttribution, startWorker, submit, waitForStage, type AttributionRunOptions, type EvalAttributionsOptions } from '../../src/index.js';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { assertSameFiles, makeWorkspace } from '../record/helpers.js';
import { findRedis, RedisServer } from '../helpers/redis.js';

const redisBinary = findRedis();

test('attribute eval queued as 2 shards, run by a worker, merged: byte-identical to one attribute eval', { skip: 'skip' in redisBinary ? redisBinary.skip : false, timeout: 300_000 }, async () => {
  const ws = await makeWorkspace(tinyResNet(), 6);
  const options = (out: string): EvalAttributionsOptions => ({ model: ws.model, images: ws.images, out, methods: ['gradient'], steps: 4, unit: 4, randomMaps: 2, threads: 1 });
  const single = join(ws.dir, 'single');
  const queued = join(ws.dir, 'queued');
  const reference = await evaluateAttributions(options(single));
  assert.equal(reference.result.skipped.length, 2);

  const redis = await RedisServer.start();
  const worker = await startWorker({ redis: redis.url });
  try {
    await assert.rejects(submit({ redis: redis.url, work: { stage: 'attribute-eval', options: { ...options(queued), sanity: true } }, shards: 2 }), /--sanity/);
    await submit({ redis: redis.url, work: { stage: 'attribute-eval', options: options(queued) }, shards: 2 });
    const status = await waitForStage(queued, 'attribute-eval', { redis: redis.url });
    assert.equal(status.merge, 'done', JSON.stringify(status));
    assert.equal(status.unit, 'image');
    assert.deepEqual(status.shards.map((s) => s.state), ['done', 'done']);
  } finally {
    await worker.close();
    await redis.stop();
  }
  assertSameFiles(single, queued, 'the single-process attribute eval');
});

test('attribute queued as 2 shards (one method), run by a worker, merged: byte-identical to one attribute', { skip: 'skip' in redisBinary ? redisBinary.skip : false, timeout: 300_000 }, async () => {
  const ws = await makeWorkspace(tinyResNet(), 6);
  const options = (out: string): AttributionRunOptions => ({ model: ws.model, images: ws.images, out, method: 'gradient', threads: 1 });
  const single = join(ws.dir, 'single');
  const queued = join(ws.dir, 'queued');
  const reference = await runAttribution(options(single));
  assert.equal(reference.skipped, 2);

  const redis = await RedisServer.start();
  try {
    // Queued with no worker yet, so it is still waiting when another method asks for the same OUT.
    await submit({ redis: redis.url, work: { stage: 'attribute', options: options(queued) }, shards: 2 });
    await assert.rejects(submit({ redis: redis.url, work: { stage: 'attribute', options: { ...options(queued), method: 'smoothgrad' } }, shards: 2 }), /attribute --method gradient of .* is still queued/);
    const worker = await startWorker({ redis: redis.url });
    try {
      const status = await waitForStage(queued, 'attribute', { redis: redis.url });
      assert.equal(status.merge, 'done', JSON.stringify(status));
      assert.equal(status.unit, 'image');
      assert.deepEqual(status.shards.map((s) => [s.state, s.done]), [['done', 4], ['done', 4]]);
    } finally {
      await worker.close();
    }
  } finally {
    await redis.stop();
  }
  assertSameFiles(single, queued, 'the single-process attribute');
});
