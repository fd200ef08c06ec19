/**
 * What a worker does with a job: run one shard of a stage, or merge a stage's finished shards.
 * Each stage is its own library call; this table is the only place that knows them.
 */
import { isNeurolensError } from '../errors.js';
import { mergeShards } from '../shards/merge.js';
import { recordShard } from '../record/shard-record.js';
import { evaluateCircuitsShard } from '../circuits/eval-shards.js';
import { evaluateAttributionsShard } from '../attribution/eval/shards.js';
import { runAttributionShard } from '../attribution/shards.js';
import { visualizeShard } from '../visualize/shards.js';
import { runOf } from './jobs.js';
import type { ShardSpec } from '../shards/spec.js';
import type { StageOptions } from './types.js';

/** Per-job settings a worker may impose on the submitted options (its own device and threads). */
export interface WorkerOverrides {
  device?: 'cpu' | 'cuda';
  threads?: number;
}

export interface ShardRun {
  items: number;
  seconds: number;
}

/** Runs shard `spec` of `work`; `onProgress` gets items done and the shard's size. */
export async function runShard(work: StageOptions, spec: ShardSpec, overrides: WorkerOverrides, onProgress: (done: number, total: number) => void): Promise<ShardRun> {
  const started = performance.now();
  if (work.stage === 'circuits-eval') {
    const options = { ...work.options, ...(overrides.device ? { executionProvider: overrides.device } : {}), ...(overrides.threads ? { threads: overrides.threads } : {}) };
    const result = await evaluateCircuitsShard(options, spec, { onProgress: (p) => onProgress(p.done, p.total) });
    return { items: result.queries, seconds: (performance.now() - started) / 1000 };
  }
  if (work.stage === 'visualize') {
    const options = { ...work.options, ...(overrides.device ? { executionProvider: overrides.device } : {}), ...(overrides.threads ? { threads: overrides.threads } : {}) };
    const result = await visualizeShard(options, spec, { onNeuron: onProgress });
    return { items: result.neurons, seconds: (performance.now() - started) / 1000 };
  }
  if (work.stage === 'attribute') {
    const options = { ...work.options, ...(overrides.device ? { executionProvider: overrides.device } : {}), ...(overrides.threads ? { threads: overrides.threads } : {}) };
    const result = await runAttributionShard(options, spec, { onProgress: (p) => onProgress(p.done, p.total) });
    return { items: result.images, seconds: (performance.now() - started) / 1000 };
  }
  if (work.stage === 'attribute-eval') {
    const options = { ...work.options, ...(overrides.device ? { device: overrides.device } : {}), ...(overrides.threads ? { threads: overrides.threads } : {}) };
    const result = await evaluateAttributionsShard(options, spec, { onProgress: (p) => onProgress(p.done, p.total) });
    return { items: result.images, seconds: (performance.now() - started) / 1000 };
  }
  const options = {
    ...work.options,
    ...(overrides.device ? { executionProvider: overrides.device } : {}),
    ...(overrides.threads ? { threads: overrides.threads } : {}),
  };
  const result = await recordShard(options, spec, { onProgress: (p) => p.phase === 'record' && onProgress(p.done, p.total) });
  return { items: result.images + result.skipped, seconds: (performance.now() - started) / 1000 };
}

/** Merges the finished shards into the files a single-process run writes (idempotent). */
export async function mergeStage(work: StageOptions): Promise<void> {
  await mergeShards(runOf(work));
}

/**
 * Errors that a retry cannot fix (a bad option, a missing or malformed file, a model that cannot
 * be used): the job fails at once instead of being tried again on every worker.
 */
export function isPermanent(error: unknown): boolean {
  return isNeurolensError(error) && error.kind !== 'io' && error.kind !== 'runtime';
}
