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

/** A job's options with the worker's --device and --threads put over what was submitted. */
function overridden<T extends object>(options: T, overrides: WorkerOverrides, deviceKey: 'executionProvider' | 'device' = 'executionProvider'): T {
  return { ...options, ...(overrides.device ? { [deviceKey]: overrides.device } : {}), ...(overrides.threads ? { threads: overrides.threads } : {}) };
}

/** Runs shard `spec` of `work`; `onProgress` gets items done and the shard's size. */
export async function runShard(work: StageOptions, spec: ShardSpec, overrides: WorkerOverrides, onProgress: (done: number, total: number) => void): Promise<ShardRun> {
  const started = performance.now();
  const progress = { onProgress: (p: { done: number; total: number }) => onProgress(p.done, p.total) };
  const items = await (async (): Promise<number> => {
    switch (work.stage) {
      case 'circuits-eval':
        return (await evaluateCircuitsShard(overridden(work.options, overrides), spec, progress)).queries;
      case 'visualize':
        return (await visualizeShard(overridden(work.options, overrides), spec, { onNeuron: onProgress })).neurons;
      case 'attribute':
        return (await runAttributionShard(overridden(work.options, overrides), spec, progress)).images;
      case 'attribute-eval':
        // attribute eval's options name the provider `device`.
        return (await evaluateAttributionsShard(overridden(work.options, overrides, 'device'), spec, progress)).images;
      case 'record': {
        const result = await recordShard(overridden(work.options, overrides), spec, { onProgress: (p) => p.phase === 'record' && onProgress(p.done, p.total) });
        return result.images + result.skipped;
      }
    }
  })();
  return { items, seconds: (performance.now() - started) / 1000 };
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
