/**
 * `attribute eval --shard I/N` + `merge OUT`: shards of the image list, evaluated apart (in any
 * order, one aborted after its first image and run again), merge into the very eval.json, eval.md
 * and charts one `attribute eval` writes, skipped images included; --sanity is not sharded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { buildProgram } from '../../src/cli/program.js';
import { evaluateAttributions, evaluateAttributionsShard, listShards, type EvalAttributionsOptions } from '../../src/index.js';
import { runInProcess } from '../helpers/cli.js';
import { assertSameFiles, makeWorkspace } from '../record/helpers.js';

test('attribute eval in 3 shards (scrambled, one aborted and resumed) + merge: byte-identical to one attribute eval', { timeout: 300_000 }, async () => {
  const ws = await makeWorkspace(tinyResNet(), 6);
  const options = (out: string): EvalAttributionsOptions => ({ model: ws.model, images: ws.images, out, methods: ['gradient', 'rise'], methodOptions: { masks: 8, cells: 4 }, steps: 4, unit: 4, randomMaps: 2, threads: 1 });
  const single = join(ws.dir, 'single');
  const sharded = join(ws.dir, 'sharded');
  const reference = await evaluateAttributions(options(single));
  assert.equal(reference.result.skipped.length, 2);
  assert.equal(reference.result.images.length, 6);

  await evaluateAttributionsShard(options(sharded), { index: 2, count: 3 });
  const abort = new AbortController();
  await assert.rejects(evaluateAttributionsShard(options(sharded), { index: 0, count: 3 }, { signal: abort.signal, onProgress: () => abort.abort() }), { name: 'AbortError' });
  const aborted = (await listShards(sharded, 'attribute-eval')).find((s) => s.index === 0)!;
  assert.deepEqual([aborted.complete, aborted.done, aborted.size], [false, 1, 2]);
  const cli = (...args: string[]) => runInProcess(buildProgram(), args, { env: { NEUROLENS_DEBUG: undefined } });
  const missing = await cli('merge', sharded);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^neurolens: error: attribute eval shard 1\/3 of .*sharded is missing; run the other shards' `npx neurolens attribute eval …` command with --shard 1\/3, then merge again\n$/);

  await evaluateAttributionsShard(options(sharded), { index: 1, count: 3 });
  const resumed = await evaluateAttributionsShard(options(sharded), { index: 0, count: 3 });
  assert.deepEqual([resumed.status, resumed.images, resumed.evaluatedNow], ['complete', 2, 1]);
  const merged = await cli('merge', sharded);
  assert.equal(merged.code, 0, merged.stderr);
  assert.match(merged.stdout, /^merged 3 attribute eval shards into .*sharded\/eval\.json: 8 images\n$/);
  assert.ok(!existsSync(join(sharded, 'shards')));
  assertSameFiles(single, sharded, 'the single-process attribute eval');

  const sanity = await cli('attribute', 'eval', '--model', ws.model, '--images', ws.images, '--method', 'gradient', '--sanity', '--out', join(ws.dir, 'x'), '--shard', '0/2');
  assert.equal(sanity.code, 2);
  assert.match(sanity.stderr, /--shard cannot be combined with --sanity/);
});
