/**
 * Top-k exemplars of every neuron with its activation region on each, as one sprite per neuron
 * (RUN/neurons/thumbs/LAYER/C.png: k crops side by side) and RUN/neurons/exemplars.LAYER.json.
 *
 * - The top images come from the run (stats/LAYER.POOL.topk.npy: value descending, index ascending),
 *   their activations from activations/LAYER.POOL.npy.
 * - A neuron's region on an image is the circuits' region procedure (regionOrWhole: neuronMap +
 *   mapRegion; the whole input for layers without a map) on the image's tapped tensor.
 * - Layers are processed in groups whose tapped tensors for one batch fit in `groupBytes`; within a
 *   group every image is decoded and run once (all the group's layers tapped), however many neurons
 *   share it. Images go in index order, so a neuron's sprite is written as soon as its last image
 *   is seen and its crops are released.
 * - Resumable: each batch's finished neurons are appended to RUN/neurons/.work/exemplars.LAYER.jsonl
 *   (after their sprites are written); at the end of its group a layer's JSON is written atomically
 *   and its journal removed. A neuron counts as done when its sprite exists and its entry is present
 *   with the same settings (pooling, k, thumb size), so a re-run computes only what is missing.
 */
import { access, mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { regionOrWhole } from '../circuits/discover.js';
import type { Box } from '../maps/region.js';
import { neuronMessages } from '../messages/neurons.js';
import { layerFileStem } from '../record/layout.js';
import type { LayerRecord } from '../record/types.js';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic.js';
import { appendJournal, recoverJournal } from '../store/journal.js';
import { readNpy } from '../store/npy.js';
import { openActivations, type LazySession, type NeuronsRun } from './run.js';
import { decodeForView, drawCrop, spritePng, type ModelImage } from './sprites.js';
import type { ExemplarsFile, NeuronExemplars, NeuronsHooks } from './types.js';

export interface ExemplarSettings {
  /** Exemplars per neuron (already clamped to the recorded top-k). */
  top: number;
  /** Side of each crop in pixels. */
  thumbSize: number;
  /** Images per inference batch. */
  batch: number;
  /** Bytes of tapped tensors one batch of a layer group may hold. */
  groupBytes: number;
}

interface JournalRecord {
  key: string;
  neurons: NeuronExemplars[];
}

/** Where a layer's outputs live (relative to the run, for the result's file list). */
export function exemplarPaths(layer: string) {
  const stem = layerFileStem(layer);
  return { json: `neurons/exemplars.${stem}.json`, thumbs: `neurons/thumbs/${stem}`, journal: `neurons/.work/exemplars.${stem}.jsonl` };
}

/** Floats one image contributes to a layer's tapped tensor. */
export function tapFloats(layer: LayerRecord): number {
  if (layer.kind === 'tokens' && layer.tokens) return layer.tokens.count * layer.channels;
  if (layer.spatial) return layer.channels * layer.spatial[0] * layer.spatial[1];
  return layer.channels;
}

/** Consecutive layers whose tapped tensors for `batch` images fit in `bytes` (at least one each). */
export function layerGroups<T extends LayerRecord>(layers: readonly T[], batch: number, bytes: number): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let used = 0;
  for (const layer of layers) {
    const cost = tapFloats(layer) * 4 * batch;
    if (current.length > 0 && used + cost > bytes) {
      groups.push(current);
      current = [];
      used = 0;
    }
    current.push(layer);
    used += cost;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

const exists = (path: string) => access(path).then(() => true, () => false);

/** Entries already done for `layer` under `key` (JSON file, then journal), whose sprites exist. */
async function doneEntries(run: NeuronsRun, layer: LayerRecord, key: string): Promise<Map<number, NeuronExemplars>> {
  const paths = exemplarPaths(layer.id);
  const done = new Map<number, NeuronExemplars>();
  const text = await readFile(join(run.dir, paths.json), 'utf8').catch(() => undefined);
  if (text !== undefined) {
    try {
      const file = JSON.parse(text) as ExemplarsFile;
      if (settingsKey(file.pooling, file.settings.top, file.settings.thumbSize) === key) for (const n of file.neurons) done.set(n.channel, n);
    } catch {
      // A damaged file is recomputed.
    }
  }
  for (const record of await recoverJournal<JournalRecord>(join(run.dir, paths.journal))) {
    if (record.key === key) for (const n of record.neurons) done.set(n.channel, n);
  }
  for (const channel of [...done.keys()]) {
    if (!(await exists(join(run.dir, paths.thumbs, `${channel}.png`)))) done.delete(channel);
  }
  return done;
}

function settingsKey(pooling: string, top: number, thumbSize: number): string {
  return `${pooling}|top=${top}|thumb=${thumbSize}`;
}

interface LayerWork {
  layer: LayerRecord;
  key: string;
  k: number;
  topk: Int32Array;
  done: Map<number, NeuronExemplars>;
  pending: number[];
  /** Per pending channel: activations, boxes, sprite pixels, slots left. */
  state: Map<number, { acts: number[]; boxes: (Box | null)[]; sprite: Uint8Array | undefined; left: number }>;
}

/** Computes and writes every missing exemplar sprite and entry; returns files and neurons computed. */
export async function writeExemplars(run: NeuronsRun, session: LazySession, settings: ExemplarSettings, hooks: NeuronsHooks = {}): Promise<{ files: string[]; computed: number }> {
  const { top, thumbSize: size } = settings;
  await mkdir(join(run.dir, 'neurons', '.work'), { recursive: true });
  const works: LayerWork[] = [];
  for (const layer of run.layers) {
    const topkArray = await readNpy(run.layout.topk(layer.id, run.pooling));
    const recordedK = topkArray.shape[1] ?? 0;
    const k = Math.min(top, recordedK);
    const key = settingsKey(run.pooling, k, size);
    const done = await doneEntries(run, layer, key);
    const pending: number[] = [];
    for (let c = 0; c < layer.channels; c++) if (!done.has(c)) pending.push(c);
    works.push({ layer, key, k, topk: topkArray.data as Int32Array, done, pending, state: new Map() });
    await mkdir(join(run.dir, exemplarPaths(layer.id).thumbs), { recursive: true });
  }
  const total = works.reduce((s, w) => s + w.layer.channels, 0);
  let finished = works.reduce((s, w) => s + w.done.size, 0);
  hooks.onProgress?.({ phase: 'exemplars', done: finished, total });
  const files: string[] = [];
  let computed = 0;
  const byLayer = new Map(works.map((w) => [w.layer, w]));
  for (const group of layerGroups(works.map((w) => w.layer), settings.batch, settings.groupBytes)) {
    const groupWorks = group.map((l) => byLayer.get(l)!);
    // image → (layer position in group, channel, slot)
    const tasks = new Map<number, [number, number, number][]>();
    for (const [g, work] of groupWorks.entries()) {
      await fillActivations(run, work);
      for (const c of work.pending) {
        for (let s = 0; s < work.k; s++) {
          const image = work.topk[c * (work.topk.length / work.layer.channels) + s]!;
          let list = tasks.get(image);
          if (!list) tasks.set(image, (list = []));
          list.push([g, c, s]);
        }
      }
    }
    const bytesPerImage = group.reduce((s, l) => s + tapFloats(l) * 4, 0);
    const batch = Math.max(1, Math.min(settings.batch, Math.floor(settings.groupBytes / Math.max(1, bytesPerImage))));
    const images = [...tasks.keys()].sort((a, b) => a - b);
    const { prep } = run;
    const inputSize = prep.channels * prep.height * prep.width;
    for (let start = 0; start < images.length; start += batch) {
      const chunk = images.slice(start, start + batch);
      const data = new Float32Array(chunk.length * inputSize);
      const views = await Promise.all(chunk.map((index, i) => {
        const file = resolve(run.manifest.images.root, run.images[index]?.path ?? '');
        return decodeForView(file, prep, data.subarray(i * inputSize, (i + 1) * inputSize)).catch(() => {
          hooks.onWarning?.(neuronMessages.exemplarUnreadable(run.images[index]?.path ?? String(index)));
          return undefined;
        });
      }));
      const needed = group.filter((_, g) => chunk.some((index) => tasks.get(index)!.some(([tg]) => tg === g)));
      const taps = await session.taps(data, chunk.length, needed);
      const completed: [LayerWork, number][] = [];
      for (const [sample, index] of chunk.entries()) {
        const view: ModelImage | undefined = views[sample];
        for (const [g, c, slot] of tasks.get(index)!) {
          const work = groupWorks[g]!;
          const state = work.state.get(c)!;
          const box = view ? regionOrWhole(taps[work.layer.tensor]!, c, work.layer, prep, sample) : null;
          state.boxes[slot] = box;
          // Allocated at the first crop and dropped once written: only neurons in progress hold pixels.
          state.sprite ??= new Uint8Array(work.k * size * size * 3);
          drawCrop(state.sprite, work.k * size, slot * size, size, view, box);
          if (--state.left === 0) completed.push([work, c]);
        }
      }
      await Promise.all(completed.map(async ([work, c]) => {
        const state = work.state.get(c)!;
        const png = await spritePng(state.sprite!, work.k * size, size);
        await writeFileAtomic(join(run.dir, exemplarPaths(work.layer.id).thumbs, `${c}.png`), png);
      }));
      for (const work of groupWorks) {
        const mine = completed.filter(([w]) => w === work).map(([, c]) => c).sort((a, b) => a - b);
        if (mine.length === 0) continue;
        const entries = mine.map((c) => entryOf(run, work, c));
        await appendJournal(join(run.dir, exemplarPaths(work.layer.id).journal), { key: work.key, neurons: entries } satisfies JournalRecord);
        for (const entry of entries) {
          work.done.set(entry.channel, entry);
          work.state.delete(entry.channel);
        }
      }
      computed += completed.length;
      finished += completed.length;
      hooks.onProgress?.({ phase: 'exemplars', done: finished, total });
    }
    for (const work of groupWorks) {
      // Neurons with no image at all (k = 0) complete here with an empty sprite-less entry.
      for (const c of work.pending) if (!work.done.has(c)) work.done.set(c, entryOf(run, work, c));
      files.push(...(await finishLayer(run, work, size)));
      if (work.pending.length > 0) hooks.onStep?.(neuronMessages.layerDone(work.layer.id, work.pending.length, work.layer.channels));
    }
  }
  return { files, computed };
}

/** Reads the pending neurons' activations on their top images and sets up their sprite state. */
async function fillActivations(run: NeuronsRun, work: LayerWork): Promise<void> {
  const { layer, k, pending } = work;
  const C = layer.channels;
  const width = work.topk.length / C;
  const wanted = new Map<number, [number, number][]>();
  for (const c of pending) {
    work.state.set(c, { acts: new Array<number>(k).fill(0), boxes: new Array<Box | null>(k).fill(null), sprite: undefined, left: k });
    for (let s = 0; s < k; s++) {
      const image = work.topk[c * width + s]!;
      let list = wanted.get(image);
      if (!list) wanted.set(image, (list = []));
      list.push([c, s]);
    }
  }
  if (wanted.size === 0) return;
  const reader = await openActivations(run, layer);
  try {
    const images = [...wanted.keys()].sort((a, b) => a - b);
    const step = Math.max(1, Math.floor((8 * 2 ** 20) / (C * 4)));
    let at = 0;
    for (let start = 0; start < reader.rows && at < images.length; start += step) {
      const count = Math.min(step, reader.rows - start);
      if (images[at]! >= start + count) continue;
      const rows = await reader.readFloat32Rows(start, count);
      while (at < images.length && images[at]! < start + count) {
        const image = images[at++]!;
        for (const [c, s] of wanted.get(image)!) work.state.get(c)!.acts[s] = rows[(image - start) * C + c]!;
      }
    }
  } finally {
    await reader.close();
  }
}

function entryOf(run: NeuronsRun, work: LayerWork, c: number): NeuronExemplars {
  const width = work.topk.length / work.layer.channels;
  const images = Array.from(work.topk.subarray(c * width, c * width + work.k));
  const state = work.state.get(c);
  return {
    channel: c,
    images,
    paths: images.map((i) => run.images[i]?.path ?? ''),
    activations: state ? state.acts : [],
    boxes: state ? state.boxes : [],
  };
}

/** Writes the layer's exemplars JSON (channel order) and drops its journal. */
async function finishLayer(run: NeuronsRun, work: LayerWork, size: number): Promise<string[]> {
  const paths = exemplarPaths(work.layer.id);
  const file: ExemplarsFile = {
    format: 'neurolens-exemplars',
    formatVersion: 1,
    layer: { id: work.layer.id, tensor: work.layer.tensor, channels: work.layer.channels },
    pooling: run.pooling,
    settings: { top: work.k, thumbSize: size },
    inputSize: [run.prep.height, run.prep.width],
    sprites: `thumbs/${layerFileStem(work.layer.id)}/{channel}.png`,
    neurons: [...work.done.values()].sort((a, b) => a.channel - b.channel),
  };
  await writeJsonAtomic(join(run.dir, paths.json), file);
  await rm(join(run.dir, paths.journal), { force: true });
  return [paths.json];
}
