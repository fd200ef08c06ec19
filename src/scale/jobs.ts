/**
 * How queued work is named and what a job carries. Job ids are derived from the run folder and
 * the stage, so submitting the same work twice finds the first submission instead of doubling it,
 * and `status` can find a run's jobs from its path alone.
 */
import { resolve } from 'node:path';
import { formatTarget, parseTarget } from '../attribution/target.js';
import type { AttributionTarget } from '../attribution/types.js';
import { sha256 } from '../store/hash.js';
import type { ShardedStage, StageOptions, StageUnit } from './types.js';

export const DEFAULT_QUEUE = 'neurolens';
export const DEFAULT_SHARDS = 8;
export const DEFAULT_ATTEMPTS = 3;

/** The data of every job in a flow: the merge (parent) job and each shard (child) job. */
export interface JobData {
  work: StageOptions;
  /** Absolute run folder (the same path on every machine: a shared filesystem). */
  run: string;
  shards: number;
  /** Only on shard jobs. */
  shard?: { index: number; count: number };
}

/** Result a shard job returns (stored by BullMQ; read by `status` for rates). */
export interface ShardReturn {
  items: number;
  seconds: number;
}

/** BullMQ refuses ':' in custom ids; a hash of the absolute path keeps ids short and safe. */
function flowKey(run: string, stage: ShardedStage): string {
  return `${stage}-${sha256(`${resolve(run)}\0${stage}`).slice(0, 20)}`;
}

export const mergeJobId = (run: string, stage: ShardedStage): string => `${flowKey(run, stage)}-merge`;
export const shardJobId = (run: string, stage: ShardedStage, index: number, count: number): string =>
  `${flowKey(run, stage)}-${index}-of-${count}`;

/** The run folder a stage writes into (its shards and merged files). */
export function runOf(work: StageOptions): string {
  return resolve(work.stage === 'circuits-eval' || work.stage === 'visualize' ? work.options.run : work.options.out);
}

/** What a stage's shards count. */
export const unitOf = (stage: ShardedStage): StageUnit => (stage === 'circuits-eval' ? 'query' : stage === 'visualize' ? 'neuron' : 'image');

/** A `circuit:FILE[#K]` target names a file, made absolute like every other path; other targets as given. */
function absoluteTarget(target: string | AttributionTarget | undefined): { target?: string | AttributionTarget } {
  if (target === undefined) return {};
  const parsed = typeof target === 'string' ? (target.trim().startsWith('circuit:') ? parseTarget(target) : undefined) : target;
  if (parsed?.kind !== 'circuit') return { target };
  const absolute = { ...parsed, file: resolve(parsed.file) };
  return { target: typeof target === 'string' ? formatTarget(absolute) : absolute };
}

/**
 * Workers may run in other folders (or machines mounting the same share at the same path), so
 * every path the stage reads or writes is made absolute against the submitter's folder.
 */
export function withAbsolutePaths(work: StageOptions): StageOptions {
  if (work.stage === 'circuits-eval') {
    const o = work.options;
    return { stage: work.stage, options: { ...o, run: resolve(o.run), ...(o.labels ? { labels: resolve(o.labels) } : {}) } };
  }
  if (work.stage === 'visualize') {
    const o = work.options;
    return { stage: work.stage, options: { ...o, model: resolve(o.model), run: resolve(o.run) } };
  }
  if (work.stage === 'attribute-eval') {
    const o = work.options;
    return { stage: work.stage, options: { ...o, model: resolve(o.model), images: resolve(o.images), out: resolve(o.out), ...(o.maps ? { maps: resolve(o.maps) } : {}), ...absoluteTarget(o.target) } };
  }
  if (work.stage === 'attribute') {
    const o = work.options;
    return { stage: work.stage, options: { ...o, model: resolve(o.model), images: resolve(o.images), out: resolve(o.out), ...absoluteTarget(o.target) } };
  }
  const o = work.options;
  return { stage: work.stage, options: { ...o, model: resolve(o.model), images: resolve(o.images), out: resolve(o.out) } };
}
