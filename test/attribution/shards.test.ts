/**
 * `attribute --shard I/N` + `merge OUT`: shards of the image list, attributed apart in any order
 * into an OUT that already holds maps of another method, merge into the very files one
 * `attribute` writes (skipped images included); a shard takes one method.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { buildProgram } from '../../src/cli/program.js';
import { listShards, runAttribution, runAttributionShard, type AttributionRunOptions } from '../../src/index.js';
import { runInProcess } from '../helpers/cli.js';
import { assertSameFiles, makeWorkspace } from '../record/helpers.js';

test('attribute in 3 shards (scrambled) + merge: byte-identical to one attribute, earlier maps and skipped images included', { timeout: 300_000 }, async () => {
  const ws = await makeWorkspace(tinyResNet(), 8);
  const options = (out: string): AttributionRunOptions => ({ model: ws.model, images: ws.images, out, method: 'rise', masks: 16, cells: 4, threads: 1, maxBatch: 16 });
  const single = join(ws.dir, 'single');
  const sharded = join(ws.dir, 'sharded');
  for (const out of [single, sharded]) await runAttribution({ model: ws.model, images: ws.images, out, method: 'gradient', threads: 1, limit: 3 });
  const reference = await runAttribution(options(single));
  assert.equal(reference.skipped, 2);

  for (const index of [1, 2, 0]) await runAttributionShard(options(sharded), { index, count: 3 });
  const statuses = await listShards(sharded, 'attribute');
  assert.deepEqual(statuses.map((s) => [s.index, s.complete, s.done, s.size, s.unit]), [[0, true, 3, 3, 'image'], [1, true, 3, 3, 'image'], [2, true, 4, 4, 'image']]);
  assert.equal((await runAttributionShard(options(sharded), { index: 0, count: 3 })).status, 'unchanged');

  const cli = (...args: string[]) => runInProcess(buildProgram(), args, { env: { NEUROLENS_DEBUG: undefined } });
  const merged = await cli('merge', sharded);
  assert.equal(merged.code, 0, merged.stderr);
  assert.match(merged.stdout, /^merged 3 attribute shards into .*sharded\/attribution\.json: 10 images\n$/);
  assert.ok(!existsSync(join(sharded, 'shards')));
  assertSameFiles(single, sharded, 'the single-process attribute');

  const two = await cli('attribute', '--model', ws.model, '--images', ws.images, '--out', sharded, '--method', 'rise,gradient', '--shard', '0/2');
  assert.equal(two.code, 2);
  assert.match(two.stderr, /--shard takes one --method at a time \(got rise, gradient\)/);
});
