/**
 * Public types of distributed execution: a stage's work split into shards, queued as BullMQ jobs
 * on Redis, run by any number of workers that see the same RUN folder, then merged once.
 * Nothing here loads a Redis client; queue.ts does, and only when a command asks for it.
 */
import type { EvalAttributionsOptions } from '../attribution/eval/types.js';
import type { AttributionRunOptions } from '../attribution/pipeline.js';
import type { EvalOptions } from '../circuits/eval.js';
import type { RecordOptions } from '../record/types.js';
import type { VisualizeOptions } from '../visualize/types.js';

/** Stages that can be queued as shards and merged back into a single-process result. */
export type ShardedStage = 'record' | 'circuits-eval' | 'visualize' | 'attribute' | 'attribute-eval';
export const SHARDED_STAGES: readonly ShardedStage[] = ['record', 'circuits-eval', 'visualize', 'attribute', 'attribute-eval'];

/** What a job carries: the stage's own library options with every path absolute. */
export type StageOptions =
  | { stage: 'record'; options: RecordOptions }
  | { stage: 'circuits-eval'; options: EvalOptions }
  | { stage: 'visualize'; options: VisualizeOptions }
  /** One method per flow: its shards share OUT/shards with any other method's. */
  | { stage: 'attribute'; options: AttributionRunOptions }
  | { stage: 'attribute-eval'; options: EvalAttributionsOptions };

export interface SubmitOptions {
  /** Redis URL, e.g. redis://host:6379/0 (every worker must reach the same Redis). */
  redis: string;
  /** The stage and its options; paths are made absolute before they are queued. */
  work: StageOptions;
  /** How many shards to split the work into. Default 8. */
  shards?: number;
  /** Tries per shard before the run is marked failed (a crash, a killed worker). Default 3. */
  attempts?: number;
  /** BullMQ queue name; workers must use the same. Default 'neurolens'. */
  queue?: string;
}

export interface SubmitResult {
  /** The run folder every worker writes into. */
  run: string;
  stage: ShardedStage;
  shards: number;
  /** False when the same run, stage and shard count were already queued (nothing was added). */
  added: boolean;
}

export interface WorkerOptions {
  /** Redis URL (the one the work was submitted to). */
  redis: string;
  /** Jobs this worker runs at once. Default 1. */
  concurrency?: number;
  /** Execution provider for every job this worker runs. Default: what the submitter asked for. */
  device?: 'cpu' | 'cuda';
  /** onnxruntime intra-op threads per job. Default: what the submitter asked for. */
  threads?: number;
  /** BullMQ queue name. Default 'neurolens'. */
  queue?: string;
  /**
   * Milliseconds a job's lock lives without renewal: a worker that dies (kill -9, lost machine) has
   * its shard handed to another worker after about this long. Default 30000 (BullMQ's default).
   */
  lockMs?: number;
}

/** Events a worker reports (the CLI prints them; the library never does). */
export type WorkerEvent =
  | { kind: 'ready' }
  | { kind: 'started'; run: string; job: string }
  | { kind: 'completed'; run: string; job: string; seconds: number }
  | { kind: 'failed'; run: string; job: string; message: string; willRetry: boolean }
  /** The Redis connection failed or closed; the worker keeps retrying it. */
  | { kind: 'connection'; message: string };

export interface RunningWorker {
  /** Stops taking jobs, lets running ones finish, and closes the Redis connections. */
  close(): Promise<void>;
}

export type StageUnit = 'image' | 'query' | 'neuron';

export type ShardState = 'waiting' | 'running' | 'done' | 'failed';

export interface QueuedShardStatus {
  index: number;
  state: ShardState;
  /** Units (images, queries, neurons) done in this shard so far, and its size when known. */
  done: number;
  total?: number;
  attempts: number;
  /** Why the last try failed. */
  failedReason?: string;
}

export interface StageStatus {
  run: string;
  stage: ShardedStage;
  shards: QueuedShardStatus[];
  merge: ShardState;
  /** What the stage counts: images (record, attribute, attribute eval), queries (circuits eval) or neurons (visualize). */
  unit: StageUnit;
  /** Units per second over finished and running shards (from job timestamps), when any ran. */
  rate?: number;
  /** Seconds left at `rate`; shards not started yet count as the mean size of those started. */
  etaSeconds?: number;
}
