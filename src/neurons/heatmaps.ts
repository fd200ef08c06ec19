/**
 * Heatmaps of single neurons over their top exemplars: the gradient map (saliency, max over
 * channels of |∂neuron/∂input|; the target is the neuron's mean over positions) of each of the
 * neuron's first `exemplars` top images, written as overlays under RUN/neurons/heatmaps/LAYER/.
 * Each map carries a deletion check: the neuron's value with the map's hottest pixels set to the
 * baseline (0 in the normalised input, the dataset's mean colour) against the same number of seeded
 * random pixels set to it.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Attributor } from '../attribution/types.js';
import { renderOverlay } from '../attribution/overlay.js';
import type { Preprocessing } from '../images/types.js';
import { modelPixels } from '../maps/crops.js';
import { neuronMessages } from '../messages/neurons.js';
import { layerFileStem } from '../record/layout.js';
import type { LayerRecord } from '../record/types.js';
import { writeFileAtomic } from '../store/atomic.js';
import { readNpy } from '../store/npy.js';
import { Random } from '../util/random.js';
import type { NeuronHeatmap } from './effects-types.js';
import type { NeuronsRun } from './run.js';
import type { NeuronsHooks } from './types.js';

/** Pixel positions (row-major over H×W) of the `count` largest map values (ties to the lower position). */
export function hottest(map: Float32Array, count: number): number[] {
  const order = Array.from(map.keys()).sort((a, b) => map[b]! - map[a]! || a - b);
  return order.slice(0, count);
}

/** A copy of `image` with every channel of the given pixel positions set to 0. */
export function deletePixels(image: Float32Array, pixels: readonly number[], prep: { channels: number; height: number; width: number; layout: Preprocessing['layout'] }): Float32Array {
  const out = image.slice();
  const plane = prep.height * prep.width;
  for (const p of pixels) {
    for (let ch = 0; ch < prep.channels; ch++) out[prep.layout === 'NHWC' ? p * prep.channels + ch : ch * plane + p] = 0;
  }
  return out;
}

export interface HeatmapSettings {
  exemplars: number;
  /** Share of the pixels deleted by the check. */
  deletion: number;
  seed: number;
}

/** Run-relative overlay path of a neuron's exemplar slot. */
export function heatmapFile(layer: string, channel: number, slot: number): string {
  return `neurons/heatmaps/${layerFileStem(layer)}/${channel}.${slot}.png`;
}

/** Decoded inputs of run images, a bounded number kept (exemplars repeat across a layer's neurons). */
class InputCache {
  private readonly items = new Map<number, Float32Array>();
  constructor(private readonly attributor: Attributor, private readonly run: NeuronsRun, private readonly limit = 256) {}

  async get(index: number): Promise<Float32Array> {
    const hit = this.items.get(index);
    if (hit) return hit;
    const data = await this.attributor.loadImage(join(this.run.manifest.images.root, this.run.images[index]!.path));
    this.items.set(index, data);
    if (this.items.size > this.limit) this.items.delete(this.items.keys().next().value!);
    return data;
  }
}

/** Every neuron's heatmaps of one layer (channel → heatmaps); overlays written as they are made. */
export async function layerHeatmaps(run: NeuronsRun, layer: LayerRecord, attributor: Attributor, settings: HeatmapSettings, hooks: NeuronsHooks = {}): Promise<NeuronHeatmap[][]> {
  const topk = await readNpy(run.layout.topk(layer.id, run.pooling));
  const width = topk.shape[1] ?? 0;
  const k = Math.min(settings.exemplars, width);
  const { prep } = run;
  const pixels = prep.height * prep.width;
  const deleted = Math.max(1, Math.round(settings.deletion * pixels));
  const cache = new InputCache(attributor, run);
  await mkdir(join(run.dir, 'neurons', 'heatmaps', layerFileStem(layer.id)), { recursive: true });
  const out: NeuronHeatmap[][] = [];
  for (let c = 0; c < layer.channels; c++) {
    const list: NeuronHeatmap[] = [];
    for (let slot = 0; slot < k; slot++) {
      const index = (topk.data as Int32Array)[c * width + slot]!;
      if (index < 0) continue;
      const image = await cache.get(index).catch(() => undefined);
      if (!image) {
        hooks.onWarning?.(neuronMessages.effectsImageUnreadable(run.images[index]!.path));
        continue;
      }
      const target = { kind: 'neuron' as const, layer: layer.id, channel: c };
      const result = await attributor.attribute(image, 'gradient', target);
      const bound = await attributor.bind(image, target);
      // Seeded per (neuron, slot) so one map's check does not depend on the others.
      const random = new Random(settings.seed * 1_000_003 + c * 1009 + slot).shuffle(Array.from({ length: pixels }, (_, i) => i)).slice(0, deleted);
      const both = new Float32Array(2 * image.length);
      both.set(deletePixels(image, hottest(result.map.data, deleted), prep), 0);
      both.set(deletePixels(image, random, prep), image.length);
      const [hot, rand] = await bound.score(both, 2);
      const file = join(run.manifest.images.root, run.images[index]!.path);
      const png = heatmapFile(layer.id, c, slot);
      // About 128 px wide: the page shows several per neuron, and the PNG is a large share of the cost.
      const scale = Math.max(1, Math.floor(128 / Math.max(prep.height, prep.width)));
      await writeFileAtomic(join(run.dir, png), await renderOverlay(await modelPixels(file, prep), result.map, { scale }));
      list.push({ index, path: run.images[index]!.path, png, clean: bound.clean, hot: hot!, random: rand!, pass: hot! < rand! });
    }
    out.push(list);
    hooks.onProgress?.({ phase: `effects-heatmaps ${layer.id}`, done: c + 1, total: layer.channels });
  }
  return out;
}
