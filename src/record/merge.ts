/**
 * Merging the shards of `record --shard`: assembles the finished shards into exactly the files a
 * single-process `record` writes. Chunks are read in run order from the shard that recorded them
 * and finalized as one run would finalize them (the per-neuron statistics and top-k are computed
 * from the assembled activation matrices, as a single run computes them), so the result is
 * byte-identical. The shards are removed only after the manifest is written: a merge killed midway
 * loses nothing, and running it again finishes it.
 */
import { NeurolensError } from '../errors.js';
import { shardMessages } from '../messages/shards.js';
import { removeStaleTempFiles } from '../store/atomic.js';
import { RunLayout } from './layout.js';
import { readManifestIfAny } from './state.js';
import { finalizeRun } from './finalize.js';
import { completeSplit, type ShardStatus } from '../shards/spec.js';
import type { FinishedRecordShard } from './shard-record.js';
import type { RecordProgress, RunManifest } from './types.js';

/** The first identity part (model, images, layers …) or setting two shards disagree on. */
function differingPart(a: FinishedRecordShard, b: FinishedRecordShard): string | undefined {
  if (a.base.fingerprint !== b.base.fingerprint) {
    const parts = Object.keys(a.base.identity).filter((k) => a.base.identity[k] !== b.base.identity[k]);
    return `a different ${parts.length > 0 ? parts.join(', ') : 'run'}`;
  }
  if (a.chunkSize !== b.chunkSize || a.range.total !== b.range.total) return 'a different --chunk';
  if (a.batch !== b.batch) return 'a different --batch';
  return undefined;
}

/** The finished record shards of one split, checked to have recorded the same run. */
export function checkedRecordShards(run: string, statuses: readonly ShardStatus<FinishedRecordShard>[]): FinishedRecordShard[] {
  const finished = completeSplit(run, 'record', statuses);
  for (const [i, shard] of finished.entries()) {
    const differs = differingPart(finished[0]!, shard);
    if (differs) throw new NeurolensError('conflict', shardMessages.shardsDisagree(run, 'record', i, shard.count, differs, statuses[i]!.dir));
  }
  return finished;
}

/**
 * Writes the run from its record shards (the caller holds the run's lock and every shard's), or
 * returns the manifest when the run was already merged; never removes the shards (the caller does,
 * once every stage is merged).
 */
export async function mergeRecordShards(run: string, statuses: readonly ShardStatus<FinishedRecordShard>[], onProgress?: (progress: RecordProgress) => void): Promise<RunManifest> {
  const layout = new RunLayout(run);
  const manifest = await readManifestIfAny(layout);
  if (manifest) {
    // Shards left behind by a merge killed while cleaning up are its own.
    if (statuses.some((s) => s.finished && s.finished.base.fingerprint !== manifest.fingerprint)) throw new NeurolensError('conflict', shardMessages.mergedRunDiffers(run));
    return manifest;
  }
  const finished = checkedRecordShards(run, statuses);
  for (const folder of layout.writeFolders) await removeStaleTempFiles(folder);
  const chunkLayouts: RunLayout[] = [];
  for (const [i, shard] of finished.entries()) {
    for (let c = shard.range.first; c < shard.range.end; c++) chunkLayouts[c] = new RunLayout(statuses[i]!.dir);
  }
  // The earliest shard's start stands for the run's creation (equal under SOURCE_DATE_EPOCH).
  const createdAt = finished.map((s) => s.createdAt).sort()[0]!;
  return finalizeRun({ layout, base: finished[0]!.base, createdAt, chunkLayouts }, onProgress);
}
