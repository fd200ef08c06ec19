/**
 * `record --shard I/N`: records one shard of a run (see shards.ts) into its own folder under
 * `RUN/shards/`, locked by that folder's lock only, so shards run at the same time in different
 * processes (or on different machines sharing the folder). Resumable like `record`: a shard killed
 * midway keeps its journaled chunks and the same call finishes it.
 */
import { performance } from 'node:perf_hooks';
import { mkdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NeurolensError } from '../errors.js';
import { recordMessages } from '../messages/index.js';
import { shardMessages } from '../messages/shards.js';
import { readJournal } from '../store/journal.js';
import { removeStaleTempFiles, writeJsonAtomic } from '../store/atomic.js';
import { withRunLock } from '../store/lock.js';
import { prestartWorker } from '../runtime/session.js';
import { wrapFsError } from '../store/fs-errors.js';
import { planRun, type RunPlan } from './plan.js';
import { RunLayout } from './layout.js';
import { differingParts, openRun, readManifestIfAny, type ChunkRecord } from './state.js';
import { manifestBase } from './finalize.js';
import { dropChangedChunks } from './resume-check.js';
import { chunkRange, recordMissingChunks } from './record-chunks.js';
import { checkShard, finishShard, readFinishedShard, rangePath, shardUnits, shardFolder, shardsFolder, type FinishedShard, type ShardRange, type ShardRunHeader, type ShardSpec } from '../shards/spec.js';
import type { ManifestBase } from './finalize.js';
import type { RecordHooks, RecordOptions } from './types.js';

/** A finished record shard's `shard.json`: with it, a merge needs nothing from the model. */
export type FinishedRecordShard = FinishedShard<'record', {
  chunkSize: number;
  batch: number;
  createdAt: string;
  /** Images recorded and skipped by this shard. */
  recorded: number;
  skipped: number;
  base: ManifestBase;
}>;

/** status 'unchanged' also when the run is already merged. */
export interface RecordShardResult extends ShardRunHeader {
  /** Images recorded / skipped by the whole shard. */
  images: number;
  skipped: number;
  /** Images recorded by this call. */
  recordedNow: number;
  seconds: number;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, (error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return false;
    throw wrapFsError(error, path);
  });
}

/**
 * Records shard `spec` of the run `options` describes into `options.out`. The options must be the
 * same for every shard (the merge checks that they recorded the same run).
 */
export async function recordShard(options: RecordOptions, spec: ShardSpec, hooks: RecordHooks = {}): Promise<RecordShardResult> {
  checkShard(spec);
  // onnxruntime loads in a worker while the shard is planned.
  const spare = prestartWorker();
  try {
    return await planAndRecordShard(options, spec, hooks);
  } finally {
    spare.release();
  }
}

async function planAndRecordShard(options: RecordOptions, spec: ShardSpec, hooks: RecordHooks): Promise<RecordShardResult> {
  const out = options.out;
  const dir = shardFolder(out, 'record', spec);
  const started = performance.now();
  const plan = await planRun(options);
  const unchanged = (images: number, skipped: number): RecordShardResult =>
    ({ status: 'unchanged', ...spec, dir, images, skipped, recordedNow: 0, seconds: (performance.now() - started) / 1000 });
  const merged = await mergedAlready(out, plan);
  if (merged) return unchanged(merged.images.count, merged.images.skipped);
  if (await exists(join(out, '.record'))) throw new NeurolensError('conflict', shardMessages.singleRunInProgress(out));
  await mkdir(shardsFolder(out), { recursive: true }).catch((error: unknown) => {
    throw wrapFsError(error, shardsFolder(out));
  });
  const result = await withRunLock(dir, 'record --shard', () => recordShardLocked({ ...plan, layout: new RunLayout(dir) }, spec, options, hooks), { create: true, onWarning: hooks.onWarning });
  if (result === 'merged') {
    // Merged between the check above and taking the lock: leave no empty folder behind.
    await rmdir(shardsFolder(out)).catch(() => undefined);
    const manifest = (await mergedAlready(out, plan))!;
    return unchanged(manifest.images.count, manifest.images.skipped);
  }
  return { ...result, dir, seconds: (performance.now() - started) / 1000 };
}

/** The run's manifest when `out` was already merged (recorded) as this run; throws when it holds another run. */
async function mergedAlready(out: string, plan: RunPlan) {
  const manifest = await readManifestIfAny(plan.layout);
  if (!manifest) return undefined;
  if (manifest.fingerprint !== plan.fingerprint) throw new NeurolensError('conflict', recordMessages.runConflict(out, differingParts(plan.identity, manifest.identity)));
  return manifest;
}

async function recordShardLocked(plan: RunPlan, spec: ShardSpec, options: RecordOptions, hooks: RecordHooks): Promise<Omit<RecordShardResult, 'dir' | 'seconds'> | 'merged'> {
  const { layout } = plan;
  if (await readManifestIfAny(new RunLayout(options.out))) return 'merged';
  for (const folder of [layout.root, layout.work]) await removeStaleTempFiles(folder);
  const done = await readFinishedShard<FinishedRecordShard>(layout.root);
  if (done) {
    if (done.base.fingerprint !== plan.fingerprint) throw new NeurolensError('conflict', recordMessages.runConflict(layout.root, differingParts(plan.identity, done.base.identity)));
    return { status: 'unchanged', ...spec, images: done.recorded, skipped: done.skipped, recordedNow: 0 };
  }
  const run = await openRun(plan, hooks.onWarning);
  if (run.status === 'complete') throw new Error('a shard folder never holds a manifest');
  if (run.status === 'resume') await dropChangedChunks(plan, run.done, hooks.onWarning);
  const chunkCount = Math.ceil(plan.entries.length / run.state.chunkSize);
  const chunks = shardUnits(spec, chunkCount);
  const range: ShardRange = { unit: 'chunk', first: chunks[0], end: chunks[1], total: chunkCount };
  await writeJsonAtomic(rangePath(layout.root), range);
  const recordedNow = await recordMissingChunks(plan, run.state, run.done, chunkRange(...chunks), options, hooks);
  const journal = await readJournal<ChunkRecord>(layout.journal);
  const records = new Map(journal.map((r) => [r.chunk, r]));
  const mine = chunkRange(...chunks).map((c) => records.get(c)!);
  const finished = await finishShard(layout.root, 'record', spec, range, {
    chunkSize: run.state.chunkSize,
    batch: run.state.batch,
    createdAt: run.state.createdAt,
    recorded: mine.reduce((sum, r) => sum + r.images, 0),
    skipped: mine.reduce((sum, r) => sum + r.skipped, 0),
    base: manifestBase(plan),
  });
  return { status: 'complete', ...spec, images: finished.recorded, skipped: finished.skipped, recordedNow };
}
