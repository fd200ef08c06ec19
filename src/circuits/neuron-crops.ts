/**
 * Pictures for circuit reports: each node's top reference images (highest `top10` activation first,
 * ties to the lower index — the order that defines T1) cropped to the node's region on each of them.
 * Everything becomes a PNG data URI, so the report opens from disk with no server.
 *
 * A region needs the neuron's map on that reference image, so the images are run through the
 * finder's full-model session (taps at the analysed layers) in batches; each image is decoded and
 * run once per call however many nodes share it. Crops are cached per neuron for the life of the
 * NeuronCrops object (one report, or several reports of one command).
 */
import { join, resolve } from 'node:path';
import { decodeImage } from '../images/index.js';
import { modelPixels, pngUri } from '../maps/crops.js';
import type { Box } from '../maps/region.js';
import { layerFileStem } from '../record/layout.js';
import type { RunImageRow } from '../record/read-run.js';
import { readNpy } from '../store/npy.js';
import { inputDims, regionOrWhole, type CircuitFinder } from './discover.js';
import type { NeuronRef } from './types.js';

/** One reference image of a neuron, cropped to the neuron's region on it. */
export interface NeuronCrop {
  /** Run image index. */
  index: number;
  /** Path relative to the run's image root. */
  path: string;
  /** The neuron's `top10` activation on the image (from the run). */
  act: number;
  /** The neuron's region on the image, in model-input pixels. */
  region: Box;
  /** PNG of the region; absent when the image could no longer be read. */
  dataUri?: string;
}

export interface NeuronCropsOptions {
  /** Reference images per neuron. Default 4. */
  top?: number;
  /** Side of each crop thumbnail in pixels. Default 64. */
  size?: number;
}

export const neuronKey = (n: NeuronRef): string => `${n.layer}#${n.channel}`;

/** The k largest of `column` (value descending, ties to the lower index, NaN never). */
function topIndices(column: (i: number) => number, n: number, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = column(i);
    if (!(v === v)) continue;
    if (best.length === k && !(v > column(best[k - 1]!))) continue;
    let at = best.length;
    while (at > 0 && v > column(best[at - 1]!)) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

export class NeuronCrops {
  private readonly cache = new Map<string, NeuronCrop[]>();
  private readonly matrices = new Map<string, Promise<Float32Array>>();
  private readonly rows: Map<number, RunImageRow>;
  private readonly top: number;
  /** Side of each crop in pixels. */
  readonly size: number;

  constructor(
    private readonly finder: CircuitFinder,
    options: NeuronCropsOptions = {},
  ) {
    this.top = options.top ?? 4;
    this.size = options.size ?? 64;
    this.rows = new Map(finder.run.images.map((r) => [Number(r.index), r]));
  }

  /** Crops of every neuron in `neurons` (key: `layer#channel`), computing only those not cached. */
  async forNeurons(neurons: readonly NeuronRef[]): Promise<Map<string, NeuronCrop[]>> {
    const { layers, reference, manifest, prep } = this.finder.run;
    const wanted = [...new Map(neurons.map((n) => [neuronKey(n), n])).values()].filter((n) => !this.cache.has(neuronKey(n)));
    // Per image: which neurons need their region on it.
    const byImage = new Map<number, NeuronRef[]>();
    const pending = new Map<string, NeuronCrop[]>();
    for (const neuron of wanted) {
      const l = layers.findIndex((x) => x.id === neuron.layer);
      const matrix = await this.matrix(neuron.layer);
      const channels = layers[l]!.channels;
      const top = topIndices((i) => matrix[i * channels + neuron.channel]!, reference.images, this.top);
      pending.set(neuronKey(neuron), top.map((index) => ({ index, path: this.rows.get(index)?.path ?? '', act: matrix[index * channels + neuron.channel]!, region: { x: 0, y: 0, width: prep.width, height: prep.height } })));
      for (const index of top) byImage.set(index, [...(byImage.get(index) ?? []), neuron]);
    }
    const images = [...byImage.keys()].sort((a, b) => a - b);
    const viewer = this.finder.viewer;
    for (let start = 0; start < images.length; start += this.finder.batch) {
      const chunk = images.slice(start, start + this.finder.batch);
      const files = chunk.map((index) => resolve(manifest.images.root, this.rows.get(index)?.path ?? ''));
      const size = prep.channels * prep.height * prep.width;
      const data = new Float32Array(chunk.length * size);
      const readable = await Promise.all(files.map((file, i) =>
        decodeImage(file, prep, { into: data.subarray(i * size, (i + 1) * size) }).then(() => true, () => false)));
      const tapLayers = [...new Set(chunk.flatMap((index) => byImage.get(index)!.map((n) => n.layer)))];
      const tensors = layers.filter((l) => tapLayers.includes(l.id));
      const { taps } = await viewer.run({ [viewer.inputNames[0]!]: { data, dims: inputDims(prep, chunk.length) } }, { taps: tensors.map((l) => l.tensor), outputs: false });
      for (const [sample, index] of chunk.entries()) {
        // An image that moved or broke since recording keeps no picture; its row still shows.
        const pixels = readable[sample] ? await modelPixels(files[sample]!, prep).catch(() => undefined) : undefined;
        for (const neuron of byImage.get(index)!) {
          const layer = tensors.find((l) => l.id === neuron.layer)!;
          const crop = pending.get(neuronKey(neuron))!.find((c) => c.index === index)!;
          if (!pixels) continue;
          crop.region = regionOrWhole(taps[layer.tensor]!, neuron.channel, layer, prep, sample);
          crop.dataUri = await pngUri(pixels, crop.region, this.size);
        }
      }
    }
    for (const [key, crops] of pending) this.cache.set(key, crops);
    return new Map(neurons.map((n) => [neuronKey(n), this.cache.get(neuronKey(n))!]));
  }

  private matrix(layer: string): Promise<Float32Array> {
    let matrix = this.matrices.get(layer);
    if (!matrix) {
      matrix = readNpy(join(this.finder.run.dir, 'activations', `${layerFileStem(layer)}.top10.npy`)).then((a) => a.data as Float32Array);
      this.matrices.set(layer, matrix);
    }
    return matrix;
  }
}
