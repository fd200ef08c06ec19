/**
 * Network dissection (Bau et al., NetDissect) of the analysed layers on a mask dataset (./masks.ts).
 *
 * Per neuron k of a layer with a spatial map (feature maps; token layers through their patch grid):
 *  - T_k: the top 0.5 % quantile of its activation-map values over the whole dataset — all positions
 *    of all images at the layer's native resolution. Precisely: with V values in all, m =
 *    max(1, ⌈0.005·V⌉) and T_k is the m-th largest value (so at least 0.5 % of the values are ≥ T_k).
 *  - M_k on an image: the neuron's map upsampled bilinearly to the input size (src/maps/region.ts
 *    upsampleBilinear) and thresholded: pixels ≥ T_k. A neuron whose m-th largest value is also its
 *    smallest (a silent neuron: the top 0.5 % is its floor) takes pixels > T_k instead, so "nothing
 *    stands out" gives an empty mask rather than the whole image.
 *  - IoU_{k,c} = Σ_images |M_k ∩ L_c| / Σ_images |M_k ∪ L_c| over the images that have a mask for
 *    concept c. Images without a mask for c are unlabelled for c, not negatives: they are left out
 *    of both sums (as NetDissect does for images not annotated for a concept's category).
 *  - label = argmax_c IoU when it is > iouMin (default 0.04), else none; ties go to the concept
 *    first in name order. The runner-up is the second best concept.
 *
 * Memory: two passes over the dataset (quantiles, then IoU), each image decoded and run once per
 * pass and layer group. Pass 1 keeps, per neuron, a buffer of 2m values from which the m largest
 * seen so far are selected whenever it fills (exact, not approximate); layers are grouped so that
 * these buffers plus one batch of tapped tensors fit in `groupBytes`.
 */
import { join } from 'node:path';
import { NeurolensError } from '../errors.js';
import { neuronMap, upsampleBilinear } from '../maps/region.js';
import { decodeImage } from '../images/index.js';
import { neuronMessages } from '../messages/neurons.js';
import { runMessages } from '../messages/run.js';
import { selectTopK } from '../record/pool.js';
import type { LayerRecord } from '../record/types.js';
import type { TensorLike } from '../runtime/types.js';
import { writeJsonAtomic } from '../store/atomic.js';
import { tapFloats } from './exemplars.js';
import { loadMask, type MaskDataset } from './masks.js';
import type { LazySession, NeuronsRun } from './run.js';
import type { NeuronsHooks } from './types.js';

/** Share of all map values above the threshold. */
export const DISSECTION_QUANTILE = 0.005;

export interface DissectionNeuron {
  channel: number;
  label: string | null;
  iou: number;
  runnerUp: { concept: string; iou: number } | null;
  /** T_k (see the module comment). */
  threshold: number;
}

export interface DissectionFile {
  format: 'neurolens-dissection';
  formatVersion: 1;
  masks: string;
  images: number;
  concepts: { name: string; images: number }[];
  settings: { quantile: number; iouMin: number; rule: string };
  layers: { id: string; channels: number; map: [number, number]; neurons: DissectionNeuron[] }[];
  /** Layers without a spatial map (left out). */
  skippedLayers: string[];
}

/** The native map size of a layer, or undefined when it has none to place on the image. */
export function mapSize(layer: LayerRecord): [number, number] | undefined {
  if (layer.kind === 'tokens') return layer.tokens?.grid ? [layer.tokens.grid[0], layer.tokens.grid[1]] : undefined;
  if (layer.kind === 'feature' && layer.spatial && layer.spatial[0] * layer.spatial[1] > 1) return [layer.spatial[0], layer.spatial[1]];
  return undefined;
}

/** Exact m-th largest value of a stream, per neuron, with a 2m buffer (see the module comment). */
class TopBuffer {
  readonly buf: Float32Array;
  readonly count: Int32Array;
  readonly floor: Float32Array;
  readonly min: Float32Array;

  constructor(
    readonly channels: number,
    readonly m: number,
  ) {
    this.buf = new Float32Array(channels * 2 * m);
    this.count = new Int32Array(channels);
    this.floor = new Float32Array(channels).fill(-Infinity);
    this.min = new Float32Array(channels).fill(Infinity);
  }

  add(c: number, values: Float32Array): void {
    const off = c * 2 * this.m;
    let n = this.count[c]!;
    let floor = this.floor[c]!;
    let min = this.min[c]!;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < min) min = v;
      if (!(v > floor)) continue;
      if (n === 2 * this.m) {
        floor = this.compact(off, n);
        n = this.m;
        if (!(v > floor)) continue;
      }
      this.buf[off + n++] = v;
    }
    this.count[c] = n;
    this.floor[c] = floor;
    this.min[c] = min;
  }

  /** Keeps the m largest of buf[off, off+n) at its start; returns the smallest of them. */
  private compact(off: number, n: number): number {
    selectTopK(this.buf, off, n, this.m);
    this.buf.copyWithin(off, off + n - this.m, off + n);
    let floor = Infinity;
    for (let i = 0; i < this.m; i++) if (this.buf[off + i]! < floor) floor = this.buf[off + i]!;
    return floor;
  }

  /** The m-th largest value seen (NaN when fewer than m values arrived). */
  threshold(c: number): number {
    const n = this.count[c]!;
    if (n < this.m) return Number.NaN;
    return this.compact(c * 2 * this.m, n);
  }
}

/** Decodes the dataset's images in batches (one pass), calling `each` with the tapped tensors. */
async function pass(
  run: NeuronsRun,
  session: LazySession,
  dataset: MaskDataset,
  layers: LayerRecord[],
  batch: number,
  sizes: [number, number][],
  each: (taps: Record<string, TensorLike>, first: number, count: number) => Promise<void> | void,
  progress: (done: number) => void,
): Promise<void> {
  const { prep } = run;
  const size = prep.channels * prep.height * prep.width;
  for (let start = 0; start < dataset.entries.length; start += batch) {
    const chunk = dataset.entries.slice(start, start + batch);
    const data = new Float32Array(chunk.length * size);
    await Promise.all(chunk.map(async (entry, i) => {
      try {
        const decoded = await decodeImage(entry.image, prep, { into: data.subarray(i * size, (i + 1) * size), pixelLimitAdvice: runMessages.pixelLimit() });
        sizes[start + i] = [decoded.width, decoded.height];
      } catch (error) {
        throw new NeurolensError('input', neuronMessages.maskImageUnreadable(dataset.file, entry.line, (error as Error).message), { cause: error });
      }
    }));
    await each(await session.taps(data, chunk.length, layers), start, chunk.length);
    progress(start + chunk.length);
  }
}

export interface DissectSettings {
  /** The mask dataset (readMaskDataset). */
  masks: MaskDataset;
  /** Smallest IoU that earns a label. */
  iouMin: number;
  /** Images per inference batch. */
  batch: number;
  /** Bytes the quantile buffers plus one batch of tapped tensors of a layer group may hold. */
  groupBytes: number;
}

/** Runs the dissection and writes RUN/neurons/dissection.json; returns its run-relative path. */
export async function writeDissection(run: NeuronsRun, session: LazySession, settings: DissectSettings, hooks: NeuronsHooks = {}): Promise<string> {
  const dataset = settings.masks;
  const N = dataset.entries.length;
  const conceptIndex = new Map(dataset.concepts.map((c, i) => [c, i]));
  const K = dataset.concepts.length;
  const mapped = run.layers.filter((l) => mapSize(l));
  const skipped = run.layers.filter((l) => !mapSize(l)).map((l) => l.id);
  for (const id of skipped) hooks.onWarning?.(neuronMessages.noMapLayer(id));
  const [H, W] = [run.prep.height, run.prep.width];
  const sizes: [number, number][] = new Array(N);
  const results = new Map<string, DissectionNeuron[]>();

  // Layer groups: quantile buffers + one batch of tapped tensors within groupBytes.
  const cost = (l: LayerRecord) => {
    const [h, w] = mapSize(l)!;
    const m = Math.max(1, Math.ceil(DISSECTION_QUANTILE * N * h * w));
    return l.channels * 2 * m * 4 + tapFloats(l) * 4 * settings.batch;
  };
  const groups: LayerRecord[][] = [];
  let used = 0;
  for (const layer of mapped) {
    if (groups.length === 0 || used + cost(layer) > settings.groupBytes) {
      groups.push([]);
      used = 0;
    }
    groups[groups.length - 1]!.push(layer);
    used += cost(layer);
  }

  for (const group of groups) {
    const buffers = group.map((l) => {
      const [h, w] = mapSize(l)!;
      return new TopBuffer(l.channels, Math.max(1, Math.ceil(DISSECTION_QUANTILE * N * h * w)));
    });
    await pass(run, session, dataset, group, settings.batch, sizes, (taps, _first, count) => {
      group.forEach((layer, g) => {
        for (let s = 0; s < count; s++) {
          for (let c = 0; c < layer.channels; c++) buffers[g]!.add(c, neuronMap(taps[layer.tensor]!, c, layer, s).data);
        }
      });
    }, (done) => hooks.onProgress?.({ phase: 'dissect-quantiles', done, total: N }));
    const thresholds = buffers.map((b, g) => Float32Array.from({ length: group[g]!.channels }, (_, c) => b.threshold(c)));
    const strict = buffers.map((b, g) => Uint8Array.from({ length: group[g]!.channels }, (_, c) => (thresholds[g]![c]! <= b.min[c]! ? 1 : 0)));
    const inter = group.map((l) => new Float64Array(l.channels * K));
    const union = group.map((l) => new Float64Array(l.channels * K));
    await pass(run, session, dataset, group, settings.batch, sizes, async (taps, first, count) => {
      for (let s = 0; s < count; s++) {
        const entry = dataset.entries[first + s]!;
        const [sw, sh] = sizes[first + s]!;
        const masks: { k: number; mask: Uint8Array; area: number }[] = [];
        for (const [concept, path] of entry.masks) {
          const mask = await loadMask(path, sw, sh, run.prep).catch((error: Error) => {
            throw new NeurolensError('input', neuronMessages.maskUnreadable(dataset.file, entry.line, path, error.message), { cause: error });
          });
          let area = 0;
          for (let p = 0; p < mask.length; p++) area += mask[p]!;
          masks.push({ k: conceptIndex.get(concept)!, mask, area });
        }
        group.forEach((layer, g) => {
          for (let c = 0; c < layer.channels; c++) {
            const t = thresholds[g]![c]!;
            const isStrict = strict[g]![c] === 1;
            const map = neuronMap(taps[layer.tensor]!, c, layer, s);
            let max = -Infinity;
            for (let i = 0; i < map.data.length; i++) if (map.data[i]! > max) max = map.data[i]!;
            const empty = !(t === t) || (isStrict ? !(max > t) : !(max >= t));
            const base = c * K;
            if (empty) {
              for (const { k, area } of masks) union[g]![base + k] += area;
              continue;
            }
            const up = upsampleBilinear(map, H, W);
            const hits: number[] = [];
            for (let p = 0; p < up.length; p++) if (isStrict ? up[p]! > t : up[p]! >= t) hits.push(p);
            for (const { k, mask, area } of masks) {
              let both = 0;
              for (const p of hits) both += mask[p]!;
              inter[g]![base + k] += both;
              union[g]![base + k] += hits.length + area - both;
            }
          }
        });
      }
    }, (done) => hooks.onProgress?.({ phase: 'dissect-iou', done, total: N }));
    group.forEach((layer, g) => {
      const neurons: DissectionNeuron[] = [];
      for (let c = 0; c < layer.channels; c++) {
        const ranked = dataset.concepts
          .map((concept, k) => ({ concept, iou: union[g]![c * K + k]! > 0 ? inter[g]![c * K + k]! / union[g]![c * K + k]! : 0, k }))
          .sort((a, b) => b.iou - a.iou || a.k - b.k);
        const best = ranked[0];
        const t = thresholds[g]![c]!;
        neurons.push({
          channel: c,
          label: best && best.iou > settings.iouMin ? best.concept : null,
          iou: best?.iou ?? 0,
          runnerUp: ranked[1] ? { concept: ranked[1].concept, iou: ranked[1].iou } : null,
          threshold: t === t ? t : 0,
        });
      }
      results.set(layer.id, neurons);
    });
    hooks.onStep?.(`dissection of ${group.map((l) => l.id).join(', ')} done`);
  }

  const counts = new Array<number>(K).fill(0);
  for (const entry of dataset.entries) for (const concept of entry.masks.keys()) counts[conceptIndex.get(concept)!]++;
  const file: DissectionFile = {
    format: 'neurolens-dissection',
    formatVersion: 1,
    masks: dataset.file,
    images: N,
    concepts: dataset.concepts.map((name, k) => ({ name, images: counts[k]! })),
    settings: {
      quantile: DISSECTION_QUANTILE,
      iouMin: settings.iouMin,
      rule: 'T = m-th largest map value over the dataset, m = max(1, ceil(0.005 * values)); M = bilinear upsample >= T (> T when T is the neuron minimum); IoU summed over images with a mask for the concept',
    },
    layers: mapped.map((l) => ({ id: l.id, channels: l.channels, map: mapSize(l)!, neurons: results.get(l.id)! })),
    skippedLayers: skipped,
  };
  await writeJsonAtomic(join(run.dir, 'neurons', 'dissection.json'), file);
  return 'neurons/dissection.json';
}
