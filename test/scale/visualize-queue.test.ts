// `visualize` through the queue, submitted with the CLI: shards of its neurons run by an
// in-process worker and merged by the flow's merge job equal one `visualize` byte for byte;
// `status` counts neurons.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, visualize, waitForStage } from '../../src/index.js';
import { buildProgram } from '../../src/cli/program.js';
import { formatStatus } from '../../src/cli/commands/scale-format.js';
import { runInProcess } from '../helpers/cli.js';
import { tinyPlainCnn } from '../fixtures/tiny-models.js';
import { assertSameFiles, recordedCopies } from '../record/helpers.js';
import { findRedis, RedisServer } from '../helpers/redis.js';

const redisBinary = findRedis();

test('visualize submitted as 2 shards, run by a worker, merged: byte-identical to one visualize', { skip: 'skip' in redisBinary ? redisBinary.skip : false, timeout: 300_000 }, async () => {
  const { ws, runs: [single, queued] } = await recordedCopies(tinyPlainCnn(), 4, ['single', 'queued']);
  await visualize({ model: ws.model, run: single, layers: ['features.3', 'features.6'], neurons: [1, 3], steps: 3, threads: 1 });

  const redis = await RedisServer.start();
  const worker = await startWorker({ redis: redis.url });
  try {
    const args = ['submit', 'visualize', '--model', ws.model, '--run', queued, '--layers', 'features.3,features.6', '--neurons', '1,3', '--steps', '3', '--threads', '1', '--redis', redis.url, '--shards', '2'];
    const submitted = await runInProcess(buildProgram(), args, { env: { NEUROLENS_DEBUG: undefined } });
    assert.equal(submitted.code, 0, submitted.stderr);
    assert.match(submitted.stdout, /^queued visualize of .*queued as 2 shards/);
    const status = await waitForStage(queued, 'visualize', { redis: redis.url });
    assert.equal(status.merge, 'done', JSON.stringify(status));
    assert.equal(status.unit, 'neuron');
    assert.deepEqual(status.shards.map((s) => [s.state, s.done]), [['done', 2], ['done', 2]]);
    assert.match(formatStatus([status]), /\n {2}4\/4 neurons, [\d.]+ neurons\/s\n$/);
  } finally {
    await worker.close();
    await redis.stop();
  }
  assertSameFiles(single, queued, 'the single-process visualize');
});
