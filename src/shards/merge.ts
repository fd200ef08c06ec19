/**
 * `merge RUN`: assembles every stage's finished shards in RUN into the files the single-process
 * stage writes — the recording first (record/merge.ts), then the circuits evaluation
 * (circuits/eval-shards.ts) and the visualisations (visualize/shards.ts); in an `attribute` OUT
 * the maps (attribution/shards.ts), in an `attribute eval` OUT the evaluation
 * (attribution/eval/shards.ts) — holding the run's lock and every shard's, so no shard changes
 * under it. Shard folders are removed only once everything is written: a merge killed midway loses
 * nothing, and running it again finishes it.
 */
import { rm, rmdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { NeurolensError } from '../errors.js';
import { shardMessages } from '../messages/shards.js';
import { acquireRunLock, withRunLock } from '../store/lock.js';
import { wrapFsError } from '../store/fs-errors.js';
import { RunLayout } from '../record/layout.js';
import { readManifestIfAny } from '../record/state.js';
import { mergeRecordShards } from '../record/merge.js';
import type { FinishedRecordShard } from '../record/shard-record.js';
import type { RecordProgress } from '../record/types.js';
import { mergeEvalShards, type FinishedEvalShard } from '../circuits/eval-shards.js';
import { mergeAttributionShards, type FinishedAttributionShard } from '../attribution/shards.js';
import { mergeAttributionEvalShards, type FinishedAttributionEvalShard } from '../attribution/eval/shards.js';
import { mergeVisualizeShards, type FinishedVisualizeShard } from '../visualize/shards.js';
import { listShards, shardsFolder, type ShardStage, type ShardStatus } from './spec.js';

export interface MergeHooks {
  onProgress?: (progress: RecordProgress) => void;
  /** One line per stale lock taken over. */
  onWarning?: (message: string) => void;
}

/** One stage merged: how many shards, and the file it wrote (the manifest, eval.json). */
export interface MergedStage {
  stage: ShardStage;
  shards: number;
  path: string;
  /** Images recorded (record, attribute, attribute eval), queries evaluated (circuits eval) or neurons visualised. */
  units: number;
}

export interface MergeResult {
  /** 'complete' when this call merged shards; 'unchanged' when RUN held none (already merged). */
  status: 'complete' | 'unchanged';
  merged: MergedStage[];
  /** The run's manifest and its images and skipped images; absent in a folder without one (an attribute OUT). */
  manifestPath?: string;
  images?: number;
  skipped?: number;
  seconds: number;
}

export async function mergeShards(run: string, hooks: MergeHooks = {}): Promise<MergeResult> {
  return withRunLock(run, 'merge', () => mergeLocked(run, hooks), { onWarning: hooks.onWarning });
}

async function mergeLocked(run: string, hooks: MergeHooks): Promise<MergeResult> {
  const started = performance.now();
  const layout = new RunLayout(run);
  const record = await listShards<FinishedRecordShard>(run, 'record');
  const evals = await listShards<FinishedEvalShard>(run, 'circuits-eval');
  const maps = await listShards<FinishedAttributionShard>(run, 'attribute');
  const mapEvals = await listShards<FinishedAttributionEvalShard>(run, 'attribute-eval');
  const visuals = await listShards<FinishedVisualizeShard>(run, 'visualize');
  const all: ShardStatus[] = [...record, ...evals, ...maps, ...mapEvals, ...visuals];
  const merged: MergedStage[] = [];
  if (all.length === 0) {
    const manifest = await readManifestIfAny(layout);
    if (!manifest) throw new NeurolensError('input', shardMessages.noShards(run));
    await rmdir(shardsFolder(run)).catch(() => undefined);
    return { status: 'unchanged', merged, manifestPath: layout.manifest, images: manifest.images.count, skipped: manifest.images.skipped, seconds: (performance.now() - started) / 1000 };
  }
  const releases: (() => Promise<void>)[] = [];
  try {
    for (const status of all) releases.push(await acquireRunLock(status.dir, 'merge', { onWarning: hooks.onWarning }));
    if (record.length > 0) {
      const manifest = await mergeRecordShards(run, record, hooks.onProgress);
      merged.push({ stage: 'record', shards: record.length, path: layout.manifest, units: manifest.images.count });
    }
    if (evals.length > 0) merged.push({ stage: 'circuits-eval', shards: evals.length, ...(await mergeEvalShards(run, evals)) });
    if (maps.length > 0) merged.push({ stage: 'attribute', shards: maps.length, ...(await mergeAttributionShards(run, maps)) });
    if (mapEvals.length > 0) merged.push({ stage: 'attribute-eval', shards: mapEvals.length, ...(await mergeAttributionEvalShards(run, mapEvals)) });
    if (visuals.length > 0) merged.push({ stage: 'visualize', shards: visuals.length, ...(await mergeVisualizeShards(run, visuals)) });
    for (const status of all) await removeFolder(status.dir);
    // Anything else a user put there stays.
    await rmdir(shardsFolder(run)).catch(() => undefined);
  } finally {
    for (const release of releases) await release();
  }
  const manifest = await readManifestIfAny(layout);
  const counts = manifest ? { manifestPath: layout.manifest, images: manifest.images.count, skipped: manifest.images.skipped } : {};
  return { status: 'complete', merged, ...counts, seconds: (performance.now() - started) / 1000 };
}

async function removeFolder(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } catch (error) {
    throw wrapFsError(error, dir);
  }
}
