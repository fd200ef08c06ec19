/** `submit`: split a stage into shards and queue them, with one merge job that runs after all of them. */
import { NeurolensError } from '../errors.js';
import { cliMessages, scaleMessages } from '../messages/index.js';
import { shardMessages } from '../messages/shards.js';
import { assertReachable, checkRedisUrl, commandConnection } from './connection.js';
import { DEFAULT_ATTEMPTS, DEFAULT_QUEUE, DEFAULT_SHARDS, mergeJobId, runOf, shardJobId, withAbsolutePaths, type JobData } from './jobs.js';
import type { SubmitOptions, SubmitResult } from './types.js';

export async function submit(options: SubmitOptions): Promise<SubmitResult> {
  const redis = checkRedisUrl(options.redis);
  const shards = options.shards ?? DEFAULT_SHARDS;
  if (!Number.isSafeInteger(shards) || shards < 1) throw new NeurolensError('usage', cliMessages.badInteger('--shards', String(shards)));
  // Refused here rather than by every worker: the sanity check runs over all images after the main pass.
  if (options.work.stage === 'attribute-eval' && options.work.options.sanity) throw new NeurolensError('usage', shardMessages.noSanityShards());
  await assertReachable(redis);
  const work = withAbsolutePaths(options.work);
  const run = runOf(work);
  const stage = work.stage;
  const queueName = options.queue ?? DEFAULT_QUEUE;
  const { FlowProducer, Queue } = await import('bullmq');
  const connection = commandConnection(redis);
  const queue = new Queue(queueName, { connection });
  const flows = new FlowProducer({ connection });
  try {
    const existing = await queue.getJob(mergeJobId(run, stage));
    if (existing) {
      const state = await existing.getState();
      const queued = (existing.data as JobData).shards;
      if (state !== 'failed' && state !== 'completed') {
        const before = (existing.data as JobData).work;
        // Methods of one OUT share its shard folders, so one is queued at a time.
        if (before.stage === 'attribute' && work.stage === 'attribute' && before.options.method !== work.options.method) {
          throw new NeurolensError('conflict', scaleMessages.otherMethodQueued(run, before.options.method, work.options.method));
        }
        if (queued !== shards) throw new NeurolensError('conflict', scaleMessages.shardCountChanged(run, stage, queued, shards));
        return { run, stage, shards, added: false };
      }
      // An ended flow is replaced; shards already finished on disk are found and kept by the stage.
      await existing.remove({ removeChildren: true });
    }
    const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
    const data: JobData = { work, run, shards };
    await flows.add({
      name: 'merge',
      queueName,
      data,
      opts: { jobId: mergeJobId(run, stage), attempts, backoff: { type: 'exponential', delay: 1000 } },
      children: Array.from({ length: shards }, (_, index) => ({
        name: 'shard',
        queueName,
        data: { ...data, shard: { index, count: shards } } satisfies JobData,
        opts: { jobId: shardJobId(run, stage, index, shards), attempts, backoff: { type: 'exponential', delay: 1000 }, failParentOnFailure: true },
      })),
    });
    return { run, stage, shards, added: true };
  } finally {
    await flows.close();
    await queue.close();
  }
}
