/**
 * `attribute eval --shard I/N`: evaluates a contiguous share of the listed images into
 * `OUT/shards/attribute-eval-I-of-N/` (see src/shards/spec.ts), one journal line per image (its
 * unrounded evaluation and the random-map curves the aggregate needs), so a killed shard loses
 * only the image in progress. An image's evaluation depends only on the settings and the image
 * (its random maps are seeded by its index), and the merge aggregates all of them as one
 * `attribute eval` does, so eval.json, eval.md and the charts are byte-identical. The sanity check
 * runs over every image after the main pass and is not sharded.
 */
import { resolve } from 'node:path';
import { NeurolensError } from '../../errors.js';
import { shardMessages } from '../../messages/shards.js';
import { writeJsonAtomic } from '../../store/atomic.js';
import { appendJournal, readJournal, recoverJournal } from '../../store/journal.js';
import {
  checkShard, claimShard, completeSplit, finishShard, fromExactJson, rangePath, shardJournal, shardUnits, toExactJson, withShardLock,
  type FinishedShard, type ShardRange, type ShardRunHeader, type ShardSpec, type ShardStatus,
} from '../../shards/spec.js';
import { createAttributor } from '../attributor.js';
import { evaluateImages, finishEval, prepareEval, type AttributorFactory, type EvaluatedImage } from './pipeline.js';
import type { EvalAttributionsOptions, EvalHooks } from './types.js';

/** The options a shard keeps (paths made absolute, so the merge reads the same files; no `out`). */
type StoredOptions = Omit<EvalAttributionsOptions, 'out'>;

/** A finished attribute-eval shard's `shard.json`. */
export type FinishedAttributionEvalShard = FinishedShard<'attribute-eval', { options: StoredOptions }>;

export interface AttributionEvalShardResult extends ShardRunHeader {
  /** Images of this shard, and those evaluated by this call. */
  images: number;
  evaluatedNow: number;
}

function stored(options: EvalAttributionsOptions): StoredOptions {
  const { out: _out, ...rest } = options;
  return { ...rest, model: resolve(options.model), images: resolve(options.images), ...(options.maps ? { maps: resolve(options.maps) } : {}) };
}

/** Evaluates shard `spec` of the images `options` lists; every shard must get the same options. */
export async function evaluateAttributionsShard(options: EvalAttributionsOptions, spec: ShardSpec, hooks: EvalHooks = {}, factory: AttributorFactory = createAttributor): Promise<AttributionEvalShardResult> {
  checkShard(spec);
  if (options.sanity) throw new NeurolensError('usage', shardMessages.noSanityShards());
  const prepared = await prepareEval(options);
  return withShardLock(options.out, 'attribute-eval', spec, async (dir) => {
    const mine = stored(options);
    const finished = await claimShard<FinishedAttributionEvalShard>(dir, 'attribute-eval', mine, (f) => f.options);
    const [first, end] = shardUnits(spec, prepared.entries.length);
    const result = { ...spec, dir, images: end - first };
    if (finished) return { status: 'unchanged', ...result, evaluatedNow: 0 };
    const range: ShardRange = { unit: 'image', first, end, total: prepared.entries.length };
    await writeJsonAtomic(rangePath(dir), range);
    const journal = shardJournal('attribute-eval', dir);
    const done = new Set((await recoverJournal<{ index: number }>(journal)).map((r) => r.index));
    const todo = Array.from({ length: end - first }, (_, i) => first + i).filter((i) => !done.has(i));
    let evaluatedNow = 0;
    await evaluateImages(prepared, factory, todo, hooks, async ({ kept: _kept, ...image }) => {
      await appendJournal(journal, toExactJson(image));
      evaluatedNow++;
    });
    await finishShard(dir, 'attribute-eval', spec, range, { options: mine });
    return { status: 'complete', ...result, evaluatedNow };
  });
}

/**
 * Writes eval.json, eval.md and the charts into `out` from its attribute-eval shards (the caller
 * holds the locks); returns eval.json's path and the images of the split.
 */
export async function mergeAttributionEvalShards(out: string, statuses: readonly ShardStatus<FinishedAttributionEvalShard>[], factory: AttributorFactory = createAttributor): Promise<{ path: string; units: number }> {
  const finished = completeSplit(out, 'attribute-eval', statuses, (f) => f.options);
  const first = finished[0]!;
  const prepared = await prepareEval({ ...first.options, out });
  const evaluated: EvaluatedImage[] = [];
  for (const [i, shard] of finished.entries()) {
    const journaled = await readJournal<unknown>(shardJournal('attribute-eval', statuses[i]!.dir));
    const byIndex = new Map(journaled.map((r) => fromExactJson<EvaluatedImage>(r)).map((r) => [r.index, r]));
    for (let index = shard.range.first; index < shard.range.end; index++) evaluated.push(byIndex.get(index)!);
  }
  const { files } = await finishEval(prepared, factory, evaluated);
  return { path: files[0]!, units: prepared.entries.length };
}
