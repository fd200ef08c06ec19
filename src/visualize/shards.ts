/**
 * `visualize --shard I/N`: visualises a contiguous share of the neurons visualize would process
 * (layer by layer, in order) into `RUN/shards/visualize-I-of-N/` (see src/shards/spec.ts): the
 * PNGs at their run-relative paths, and one journal line per neuron with its visualize.json entry,
 * so a killed shard loses only the batch in progress. A neuron's images depend only on the
 * settings, its layer and its index (its own seeded stream, whichever neurons share its batch),
 * so merging moves the PNGs into RUN and writes each layer's visualize.json from the entries:
 * the files one `visualize` writes, byte for byte.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NeurolensError } from '../errors.js';
import { shardMessages } from '../messages/shards.js';
import { visualizeMessages } from '../messages/visualize.js';
import { RunLayout } from '../record/layout.js';
import { readManifestIfAny } from '../record/state.js';
import { writeJsonAtomic } from '../store/atomic.js';
import { appendJournal, readJournal, recoverJournal } from '../store/journal.js';
import {
  claimShard, completeSplit, finishShard, fromExactJson, moveShardFile, rangePath, shardJournal, shardUnits, toExactJson, withShardLock,
  type FinishedShard, type ShardRange, type ShardRunHeader, type ShardSpec, type ShardStatus,
} from '../shards/spec.js';
import { layerFile, layerFolder, openVisualize, visualizeNeurons, visualizeUnits } from './pipeline.js';
import type { VisualizedNeuron, VisualizeHooks, VisualizeLayerFile, VisualizeOptions } from './types.js';

/** What every shard of one split must share: the recording, the settings and the neurons of each layer. */
interface VisualizePlan {
  fingerprint: string;
  settings: VisualizeLayerFile['settings'];
  layers: { id: string; tensor: string; neurons: number[] }[];
}

/** A finished visualize shard's `shard.json`. */
export type FinishedVisualizeShard = FinishedShard<'visualize', { plan: VisualizePlan }>;

/** A journal line: unit `index` of the whole list, and its entry as visualize.json lists it. */
interface JournaledNeuron {
  index: number;
  layer: string;
  entry: VisualizedNeuron;
}

export interface VisualizeShardResult extends ShardRunHeader {
  /** Neurons of this shard, and those visualised by this call. */
  neurons: number;
  visualizedNow: number;
}

/** Visualises shard `spec` of the neurons `options` chooses; every shard must get the same options. */
export async function visualizeShard(options: VisualizeOptions, spec: ShardSpec, hooks: VisualizeHooks = {}): Promise<VisualizeShardResult> {
  const session = await openVisualize(options);
  const units = visualizeUnits(session, options);
  const plan: VisualizePlan = {
    fingerprint: session.run.manifest.fingerprint,
    settings: session.fileSettings,
    layers: session.run.layers.map((l) => ({ id: l.id, tensor: l.tensor, neurons: units.filter((u) => u.layer === l).map((u) => u.neuron) })),
  };
  return withShardLock(options.run, 'visualize', spec, async (dir) => {
    const finished = await claimShard<FinishedVisualizeShard>(dir, 'visualize', plan, (f) => f.plan);
    const [first, end] = shardUnits(spec, units.length);
    const result = { ...spec, dir, neurons: end - first };
    if (finished) return { status: 'unchanged', ...result, visualizedNow: 0 };
    const range: ShardRange = { unit: 'neuron', first, end, total: units.length };
    await writeJsonAtomic(rangePath(dir), range);
    const journal = shardJournal('visualize', dir);
    const done = new Set((await recoverJournal<JournaledNeuron>(journal)).map((r) => r.index));
    let visualizedNow = 0;
    for (const layer of session.run.layers) {
      const todo = Array.from({ length: end - first }, (_, i) => first + i).filter((i) => units[i]!.layer === layer && !done.has(i));
      if (todo.length === 0) continue;
      hooks.onStep?.(visualizeMessages.layerStart(layer.id, todo.length, session.settings.steps));
      let next = 0;
      await visualizeNeurons(session, layer, todo.map((i) => units[i]!.neuron), dir, options, hooks, async (entry) => {
        await appendJournal(journal, toExactJson({ index: todo[next++]!, layer: layer.id, entry } satisfies JournaledNeuron));
        visualizedNow++;
        hooks.onNeuron?.(done.size + visualizedNow, end - first);
      });
    }
    await finishShard(dir, 'visualize', spec, range, { plan });
    return { status: 'complete', ...result, visualizedNow };
  });
}

/**
 * Moves the PNGs of the visualize shards of `run` into it and writes every layer's
 * visualize.json (the caller holds the locks); returns the visualize folder and the neurons.
 */
export async function mergeVisualizeShards(run: string, statuses: readonly ShardStatus<FinishedVisualizeShard>[]): Promise<{ path: string; units: number }> {
  const finished = completeSplit(run, 'visualize', statuses, (f) => f.plan);
  const first = finished[0]!;
  const manifest = await readManifestIfAny(new RunLayout(run));
  if (manifest?.fingerprint !== first.plan.fingerprint) throw new NeurolensError('conflict', shardMessages.shardsOfAnotherRun(run, 'visualize', statuses[0]!.dir));
  const entries = new Map<string, VisualizedNeuron[]>(first.plan.layers.map((l) => [l.id, []]));
  for (const [i, shard] of finished.entries()) {
    const dir = statuses[i]!.dir;
    const journaled = new Map((await readJournal<unknown>(shardJournal('visualize', dir))).map((r) => fromExactJson<JournaledNeuron>(r)).map((r) => [r.index, r]));
    for (let unit = shard.range.first; unit < shard.range.end; unit++) {
      const { layer, entry } = journaled.get(unit)!;
      for (const image of [entry.image, ...(entry.diversity?.images.map((d) => d.image) ?? [])]) {
        await mkdir(dirname(join(run, image)), { recursive: true });
        await moveShardFile(join(dir, image), join(run, image));
      }
      entries.get(layer)!.push(entry);
    }
  }
  for (const layer of first.plan.layers) {
    await mkdir(join(run, layerFolder(layer.id)), { recursive: true });
    await writeJsonAtomic(join(run, layerFolder(layer.id), 'visualize.json'), layerFile(layer, first.plan.settings, entries.get(layer.id)!));
  }
  return { path: join(run, 'visualize'), units: first.range.total };
}
