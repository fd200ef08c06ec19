/**
 * `visualize --shard I/N` and `merge`: three shards of the neurons of two layers (one shard
 * straddling the layers, each shard batching differently from one process), merged, equal one
 * `visualize` byte for byte — every PNG, every visualize.json, nothing else left behind; a shard
 * restarted with other options is refused.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildProgram } from '../../src/cli/program.js';
import { visualize, visualizeShard } from '../../src/visualize/index.js';
import type { VisualizeOptions } from '../../src/visualize/types.js';
import { tinyPlainCnn } from '../fixtures/tiny-models.js';
import { runInProcess } from '../helpers/cli.js';
import { assertSameFiles, recordedCopies } from '../record/helpers.js';

test('visualize shards 0/3, 1/3, 2/3 merged: byte-identical to one visualize; other options refused', async () => {
  const { ws, runs: [single, sharded] } = await recordedCopies(tinyPlainCnn(), 4, ['single', 'sharded']);
  // Two layers of three neurons with two images each: six units, two per shard, the middle one in both layers.
  const options = (run: string): VisualizeOptions => ({ model: ws.model, run, layers: ['features.3', 'features.6'], neurons: [0, 2, 1], steps: 3, diversity: 2, threads: 1 });
  const reference = await visualize(options(single));
  assert.equal(reference.total, 6);

  for (let index = 0; index < 2; index++) {
    const done = await visualizeShard({ ...options(sharded), batch: 2 }, { index, count: 3 });
    assert.equal(done.neurons, 2);
    assert.equal(done.visualizedNow, 2);
  }
  const cli = (...args: string[]) => runInProcess(buildProgram(), args, { env: { NEUROLENS_DEBUG: undefined } });
  const flags = ['--model', ws.model, '--run', sharded, '--layers', 'features.3,features.6', '--neurons', '0,2,1', '--steps', '3', '--diversity', '2', '--threads', '1'];
  const last = await cli('visualize', ...flags, '--shard', '2/3');
  assert.equal(last.code, 0, last.stderr);
  assert.match(last.stdout, /^visualised shard 2\/3: 2 neurons into .*sharded\/shards; run `npx neurolens merge /);
  // A finished shard is not redone, and one asked again with other settings is refused.
  assert.equal((await visualizeShard(options(sharded), { index: 1, count: 3 })).status, 'unchanged');
  await assert.rejects(visualizeShard({ ...options(sharded), seed: 5 }, { index: 1, count: 3 }), /different options/);

  const merged = await cli('merge', sharded);
  assert.equal(merged.code, 0, merged.stderr);
  assert.match(merged.stdout, /^merged 3 visualize shards into .*sharded\/visualize: 6 neurons\n/);
  assert.ok(!existsSync(join(sharded, 'shards')), 'the shard folders are gone');
  assertSameFiles(single, sharded, 'the single-process visualize');
});
