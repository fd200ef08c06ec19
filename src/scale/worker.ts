/**
 * `worker`: take shard and merge jobs from the queue and run them here. BullMQ hands a job whose
 * worker died (its lock expired) to another worker, retries failed jobs with back-off, and starts
 * a flow's merge job once, after every shard of it has completed.
 */
import { checkRedisUrl, workerConnection } from './connection.js';
import { DEFAULT_QUEUE, type JobData, type ShardReturn } from './jobs.js';
import { isPermanent, mergeStage, runShard } from './stages.js';
import { scaleMessages } from '../messages/index.js';
import { NeurolensError } from '../errors.js';
import type { RunningWorker, WorkerEvent, WorkerOptions } from './types.js';

/** Progress is written to Redis at most this often per job (every write is a round trip). */
const PROGRESS_EVERY_MS = 1000;

export async function startWorker(options: WorkerOptions, onEvent: (event: WorkerEvent) => void = () => {}): Promise<RunningWorker> {
  const redis = checkRedisUrl(options.redis);
  const { Worker, UnrecoverableError } = await import('bullmq');
  type Job = import('bullmq').Job<JobData, unknown>;
  const overrides = { device: options.device, threads: options.threads };

  async function process(job: Job): Promise<ShardReturn | { merged: true }> {
    const data = job.data;
    onEvent({ kind: 'started', run: data.run, job: job.name === 'merge' ? 'merge' : `shard ${data.shard!.index}/${data.shard!.count}` });
    try {
      if (job.name === 'merge') {
        await mergeStage(data.work);
        return { merged: true };
      }
      if (job.name !== 'shard' || !data.shard) throw new NeurolensError('usage', scaleMessages.unknownJob(job.name));
      let last = 0;
      const onProgress = (done: number, total: number) => {
        const now = Date.now();
        if (now - last < PROGRESS_EVERY_MS && done < total) return;
        last = now;
        // Progress is advisory: a lost write must not fail the shard.
        job.updateProgress({ done, total }).catch(() => {});
      };
      return await runShard(data.work, data.shard, overrides, onProgress);
    } catch (error) {
      if (isPermanent(error)) throw new UnrecoverableError((error as Error).message);
      throw error;
    }
  }

  const worker = new Worker<JobData, unknown>(options.queue ?? DEFAULT_QUEUE, process, {
    connection: workerConnection(redis),
    concurrency: options.concurrency ?? 1,
    ...(options.lockMs ? { lockDuration: options.lockMs, stalledInterval: Math.max(500, Math.floor(options.lockMs / 2)) } : {}),
    // A job whose worker died is handed on this many times before it counts as failed.
    maxStalledCount: 3,
  });
  const label = (job: Job | undefined) => (job?.name === 'merge' ? 'merge' : job?.data.shard ? `shard ${job.data.shard.index}/${job.data.shard.count}` : String(job?.id));
  worker.on('ready', () => onEvent({ kind: 'ready' }));
  worker.on('completed', (job) => onEvent({ kind: 'completed', run: job.data.run, job: label(job), seconds: ((job.finishedOn ?? Date.now()) - (job.processedOn ?? Date.now())) / 1000 }));
  worker.on('failed', (job, error) => {
    const willRetry = !!job && !(error instanceof UnrecoverableError) && job.attemptsMade < (job.opts.attempts ?? 1);
    onEvent({ kind: 'failed', run: job?.data.run ?? '?', job: label(job), message: error.message, willRetry });
  });
  // Without a listener, a dropped connection would be an unhandled 'error' event; ioredis reconnects.
  worker.on('error', (error) => onEvent({ kind: 'connection', message: error.message }));
  // A Redis that stops and is back before the first retry raises no error at all, only a close:
  // report it too, so the log always shows that the worker lost its connection.
  worker.on('ioredis:close', () => onEvent({ kind: 'connection', message: scaleMessages.connectionClosed() }));
  await worker.waitUntilReady();
  return { close: () => worker.close() };
}
