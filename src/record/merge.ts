/**
 * `merge RUN`: assembles the finished shards of a recording into exactly the files a
 * single-process `record` writes. Chunks are read in run order from the shard that recorded them
 * and finalized as one run would finalize them (the per-neuron statistics and top-k are computed
 * from the assembled activation matrices, as a single run computes them), so the result is
 * byte-identical. The shards are removed only after the manifest is written: a merge killed midway
 * loses nothing, and running it again finishes it.
 */
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { NeurolensError } from '../errors.js';
import { shardMessages } from '../messages/shards.js';
import { removeStaleTempFiles } from '../store/atomic.js';
import { acquireRunLock, withRunLock } from '../store/lock.js';
import { wrapFsError } from '../store/fs-errors.js';
import { RunLayout } from './layout.js';
import { readManifestIfAny } from './state.js';
import { finalizeRun } from './finalize.js';
import { listShards, shardsFolder, type FinishedShard, type ShardStatus } from './shards.js';
import type { RecordProgress } from './types.js';

export interface MergeHooks {
  onProgress?: (progress: RecordProgress) => void;
  /** One line per stale lock taken over. */
  onWarning?: (message: string) => void;
}

export interface MergeResult {
  /** 'complete' when this call merged; 'unchanged' when RUN was already merged. */
  status: 'complete' | 'unchanged';
  manifestPath: string;
  /** Shards merged (0 when unchanged). */
  shards: number;
  images: number;
  skipped: number;
  seconds: number;
}

/**
 * The finished shards of one split, checked to be complete and to have recorded the same run;
 * throws NeurolensError with what to run otherwise.
 */
export function checkedShards(run: string, statuses: readonly ShardStatus[]): FinishedShard[] {
  if (statuses.length === 0) throw new NeurolensError('input', shardMessages.noShards(run));
  const counts = [...new Set(statuses.map((s) => s.count))];
  if (counts.length > 1) throw new NeurolensError('conflict', shardMessages.splitsDiffer(run, counts));
  const count = counts[0]!;
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !statuses.some((s) => s.index === i));
  if (missing.length > 0) throw new NeurolensError('input', shardMessages.shardsMissing(run, missing, count));
  const unfinished = statuses.filter((s) => !s.complete).map((s) => s.index);
  if (unfinished.length > 0) throw new NeurolensError('input', shardMessages.shardsUnfinished(run, unfinished, count));
  const finished = statuses.map((s) => s.finished!);
  const first = finished[0]!;
  for (const [i, shard] of finished.entries()) {
    const differs =
      shard.base.fingerprint !== first.base.fingerprint ? differingPart(first, shard)
      : shard.chunkSize !== first.chunkSize || shard.chunkCount !== first.chunkCount ? '--chunk'
      : shard.batch !== first.batch ? '--batch'
      : undefined;
    if (differs) throw new NeurolensError('conflict', shardMessages.shardsDisagree(run, i, count, differs, statuses[i]!.dir));
  }
  return finished;
}

/** The first identity part (model, images, layers …) two shards disagree on. */
function differingPart(a: FinishedShard, b: FinishedShard): string {
  const parts = Object.keys(a.base.identity).filter((k) => a.base.identity[k] !== b.base.identity[k]);
  return parts.length > 0 ? parts.join(', ') : 'run';
}

export async function mergeShards(run: string, hooks: MergeHooks = {}): Promise<MergeResult> {
  return withRunLock(run, 'merge', () => mergeLocked(run, hooks), { onWarning: hooks.onWarning });
}

async function mergeLocked(run: string, hooks: MergeHooks): Promise<MergeResult> {
  const started = performance.now();
  const layout = new RunLayout(run);
  const statuses = await listShards(run, 'record');
  const manifest = await readManifestIfAny(layout);
  const result = (status: MergeResult['status'], shards: number, images: number, skipped: number): MergeResult =>
    ({ status, manifestPath: layout.manifest, shards, images, skipped, seconds: (performance.now() - started) / 1000 });
  if (manifest) {
    // Already merged; shards left behind by a merge killed while cleaning up are its own.
    if (statuses.some((s) => s.finished && s.finished.base.fingerprint !== manifest.fingerprint)) throw new NeurolensError('conflict', shardMessages.mergedRunDiffers(run));
    await removeShards(run);
    return result('unchanged', 0, manifest.images.count, manifest.images.skipped);
  }
  const finished = checkedShards(run, statuses);
  // Each shard's lock too: a shard being recorded again cannot change under the merge.
  const releases: (() => Promise<void>)[] = [];
  try {
    for (const status of statuses) releases.push(await acquireRunLock(status.dir, 'merge', { onWarning: hooks.onWarning }));
    for (const folder of layout.writeFolders) await removeStaleTempFiles(folder);
    const chunkLayouts: RunLayout[] = [];
    for (const [i, shard] of finished.entries()) {
      for (let c = shard.chunks[0]; c < shard.chunks[1]; c++) chunkLayouts[c] = new RunLayout(statuses[i]!.dir);
    }
    const first = finished[0]!;
    // The earliest shard's start stands for the run's creation (equal under SOURCE_DATE_EPOCH).
    const createdAt = finished.map((s) => s.createdAt).sort()[0]!;
    const written = await finalizeRun({ layout, base: first.base, createdAt, chunkLayouts }, hooks.onProgress);
    await removeShards(run);
    return result('complete', finished.length, written.images.count, written.images.skipped);
  } finally {
    for (const release of releases) await release();
  }
}

async function removeShards(run: string): Promise<void> {
  try {
    await rm(shardsFolder(run), { recursive: true, force: true });
  } catch (error) {
    throw wrapFsError(error, shardsFolder(run));
  }
}
