/** `status`: where a run's queued work stands, across every worker, read from the queue. */
import { NeurolensError } from '../errors.js';
import { scaleMessages } from '../messages/index.js';
import { assertReachable, checkRedisUrl, commandConnection, workerConnection } from './connection.js';
import { DEFAULT_QUEUE, mergeJobId, shardJobId, unitOf, type JobData, type ShardReturn } from './jobs.js';
import { SHARDED_STAGES, type ShardedStage, type ShardState, type QueuedShardStatus, type StageStatus } from './types.js';
import { resolve } from 'node:path';

export interface StatusOptions {
  redis: string;
  /** BullMQ queue name. Default 'neurolens'. */
  queue?: string;
  /** Clock for rates and ETA (tests pin it). Default Date.now. */
  now?: () => number;
}

function stateOf(state: string): ShardState {
  if (state === 'completed') return 'done';
  if (state === 'active') return 'running';
  if (state === 'failed') return 'failed';
  return 'waiting';
}

type Job = import('bullmq').Job<JobData, unknown>;

function shardStatus(index: number, job: Job | undefined, state: string): QueuedShardStatus {
  const progress = (job?.progress ?? {}) as { done?: number; total?: number };
  const returned = job?.returnvalue as ShardReturn | undefined;
  const s = stateOf(state);
  const done = s === 'done' ? (returned?.items ?? progress.total ?? 0) : (progress.done ?? 0);
  return {
    index,
    state: s,
    done,
    ...(progress.total !== undefined ? { total: progress.total } : s === 'done' ? { total: done } : {}),
    attempts: job?.attemptsMade ?? 0,
    ...(s === 'failed' && job?.failedReason ? { failedReason: job.failedReason } : {}),
  };
}

/**
 * Units still to do. A shard's size is known once it has started; one still waiting counts as the
 * mean size of the known ones (shards are equal ranges but for the last), so the time left shows
 * from the first shard on rather than only once every shard has started.
 */
export function unitsLeft(shards: readonly QueuedShardStatus[]): number | undefined {
  const known = shards.filter((s) => s.total !== undefined);
  if (known.length === 0) return undefined;
  const mean = known.reduce((sum, s) => sum + s.total!, 0) / known.length;
  return shards.reduce((sum, s) => sum + Math.max(0, (s.total ?? mean) - s.done), 0);
}

/** Items per second since the first shard started, and the time left at that rate. */
export function rateOf(jobs: readonly (Pick<Job, 'processedOn' | 'finishedOn'> | undefined)[], shards: readonly QueuedShardStatus[], now: number): { rate?: number; etaSeconds?: number } {
  const starts = jobs.map((j) => j?.processedOn).filter((t): t is number => t !== undefined);
  const done = shards.reduce((sum, s) => sum + s.done, 0);
  if (starts.length === 0 || done === 0) return {};
  // Once every shard is done the rate is over the time they took, not the time since.
  const ends = jobs.map((j) => j?.finishedOn);
  const end = shards.every((s) => s.state === 'done') && ends.every((t) => t !== undefined) ? Math.max(...(ends as number[])) : now;
  const seconds = (end - Math.min(...starts)) / 1000;
  if (seconds <= 0) return {};
  const rate = done / seconds;
  const left = unitsLeft(shards);
  return { rate, ...(left !== undefined ? { etaSeconds: left / rate } : {}) };
}

export async function queueStatus(run: string, options: StatusOptions): Promise<StageStatus[]> {
  const redis = checkRedisUrl(options.redis);
  await assertReachable(redis);
  const { Queue } = await import('bullmq');
  const queue = new Queue<JobData>(options.queue ?? DEFAULT_QUEUE, { connection: commandConnection(redis) });
  const absolute = resolve(run);
  try {
    const stages: StageStatus[] = [];
    for (const stage of SHARDED_STAGES) {
      const merge = await queue.getJob(mergeJobId(absolute, stage));
      if (!merge) continue;
      const count = merge.data.shards;
      const jobs = await Promise.all(Array.from({ length: count }, (_, i) => queue.getJob(shardJobId(absolute, stage, i, count))));
      const states = await Promise.all(jobs.map((j) => j?.getState() ?? 'unknown'));
      const shards = jobs.map((j, i) => shardStatus(i, j, states[i]!));
      stages.push({ run: absolute, stage, unit: unitOf(stage), shards, merge: stateOf(await merge.getState()), ...rateOf(jobs, shards, (options.now ?? Date.now)()) });
    }
    if (stages.length === 0) throw new NeurolensError('input', scaleMessages.nothingQueued(run, redis));
    return stages;
  } finally {
    await queue.close();
  }
}

/**
 * Resolves once the stage's merge job has finished (after every shard), with its final status;
 * listens to BullMQ's queue events instead of polling, so waiting costs the workers nothing.
 * Throws the merge's failure (a shard that failed for good fails its merge) as a NeurolensError.
 */
export async function waitForStage(run: string, stage: ShardedStage, options: StatusOptions): Promise<StageStatus> {
  const redis = checkRedisUrl(options.redis);
  await assertReachable(redis);
  const { Queue, QueueEvents } = await import('bullmq');
  const name = options.queue ?? DEFAULT_QUEUE;
  const queue = new Queue<JobData>(name, { connection: commandConnection(redis) });
  const events = new QueueEvents(name, { connection: workerConnection(redis) });
  try {
    await events.waitUntilReady();
    const merge = await queue.getJob(mergeJobId(resolve(run), stage));
    if (!merge) throw new NeurolensError('input', scaleMessages.nothingQueued(run, redis));
    try {
      await merge.waitUntilFinished(events);
    } catch (error) {
      throw new NeurolensError('runtime', scaleMessages.mergeFailed(run, error instanceof Error ? error.message : String(error)));
    }
  } finally {
    await events.close();
    await queue.close();
  }
  const stages = await queueStatus(run, options);
  return stages.find((s) => s.stage === stage)!;
}
