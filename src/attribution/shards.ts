/**
 * `attribute --shard I/N`: attributes a contiguous share of the listed images (named as in the
 * whole list) into `OUT/shards/attribute-I-of-N/` (see src/shards/spec.ts), with its own
 * attribution.json, so a killed shard resumes like `attribute` does. A map depends only on its
 * image and the settings, so merging moves each shard's files into OUT and writes the
 * attribution.json one `attribute` writes: earlier entries of OUT kept, entries sorted, skipped
 * images in listing order.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { NeurolensError } from '../errors.js';
import { shardMessages } from '../messages/shards.js';
import { stableJson, writeJsonAtomic } from '../store/atomic.js';
import {
  completeSplit, finishShard, moveShardFile, readFinishedShard, readShardJson, shardUnits, withShardLock,
  type FinishedShard, type ShardRange, type ShardRunHeader, type ShardSpec, type ShardStatus,
} from '../shards/spec.js';
import { attributeImages, readPrevious, sortEntries, type AttributionFile, type AttributionRunHooks, type AttributionRunOptions, type AttributionSettings } from './pipeline.js';

/** A finished attribute shard's `shard.json`. */
export type FinishedAttributionShard = FinishedShard<'attribute', { settings: AttributionSettings }>;

export interface AttributionShardResult extends ShardRunHeader {
  /** Images of this shard, maps computed by this call, images skipped. */
  images: number;
  computed: number;
  skipped: number;
}

/** Attributes shard `spec` of the images `options` lists; every shard must get the same options. */
export async function runAttributionShard(options: AttributionRunOptions, spec: ShardSpec, hooks: AttributionRunHooks = {}): Promise<AttributionShardResult> {
  return withShardLock(options.out, 'attribute', spec, async (dir) => {
    const before = await readFinishedShard<FinishedAttributionShard>(dir);
    const { result, settings, range } = await attributeImages(options, hooks, { dir, range: (count) => shardUnits(spec, count) });
    const shardRange: ShardRange = { unit: 'image', first: range[0], end: range[1], total: settings.images };
    if (before && stableJson(before.settings) !== stableJson(settings)) throw new NeurolensError('conflict', shardMessages.shardOptionsDiffer(dir, 'attribute'));
    await finishShard(dir, 'attribute', spec, shardRange, { settings });
    const status = before && result.computed === 0 ? 'unchanged' : 'complete';
    return { status, ...spec, dir, images: range[1] - range[0], computed: result.computed, skipped: result.skipped };
  });
}

/**
 * Moves the maps of the attribute shards of `out` into it and writes its attribution.json (the
 * caller holds the locks); returns its path and the images of the split.
 */
export async function mergeAttributionShards(out: string, statuses: readonly ShardStatus<FinishedAttributionShard>[]): Promise<{ path: string; units: number }> {
  const first = completeSplit(out, 'attribute', statuses, (f) => f.settings)[0]!;
  const jsonPath = join(out, 'attribution.json');
  const { protocol } = first.settings;
  const byKey = new Map((await readPrevious(jsonPath, protocol)).map((e) => [`${e.name}\u0000${e.method}`, e]));
  const skipped: AttributionFile['skipped'] = [];
  for (const status of statuses) {
    const file = await readShardJson<AttributionFile>(join(status.dir, 'attribution.json'), status.dir);
    for (const entry of file?.entries ?? []) {
      for (const name of [entry.files.npy, entry.files.png, ...(entry.files.grad ? [entry.files.grad] : [])]) await moveShardFile(join(status.dir, name), join(out, name));
      // As `attribute` does: a gradient left from an earlier map of this name would not match.
      if (!entry.files.grad) await rm(join(out, `${entry.name}.${entry.method}.grad.npy`), { force: true });
      byKey.set(`${entry.name}\u0000${entry.method}`, entry);
    }
    skipped.push(...(file?.skipped ?? []));
  }
  await writeJsonAtomic(jsonPath, { format: 'neurolens-attribution', formatVersion: 1, protocol, entries: sortEntries(byKey.values()), skipped } satisfies AttributionFile);
  return { path: jsonPath, units: first.settings.images };
}
