/**
 * The naive Neuron Sensitivity scheme, kept as the baseline the batched engine (sensitivity.ts) is
 * benchmarked and checked against. It mirrors the structure of the GCC research code: one source
 * neuron at a time, batch 1, each score from THREE full-model forward passes, the edits applied
 * inside the full model (here: an intervention T' = T ⊙ mask + patch at layer l, in place of a
 * forward hook). For source channel c of layer l:
 *
 *   1. clean pass, tapping layer l — reads channel c's clean map on the query;
 *   2. "original" pass: channel c of layer l overwritten with its own clean map (mask 0 at c, patch =
 *      that map), tapping layer l+1 — the research code re-inserts the recorded activation through
 *      the same hook it ablates with, and takes this pass's output as the clean reference;
 *   3. ablated pass: channel c of layer l set to 0 at every position (mask 0 at c, patch 0),
 *      tapping layer l+1.
 *
 * S(c′) is then computed exactly as the engine does (sensitivityFromMeans) from passes 2 and 3.
 * Nothing is shared between sources, which is what makes it slow: 3·k full passes for k sources.
 */
import type { ModelProto } from '../onnx/types.js';
import { InstrumentedModel } from '../runtime/instrumented.js';
import type { SessionOptions, TensorLike } from '../runtime/types.js';
import {
  channelAxis,
  channelLayout,
  channelMeans,
  checkLayerIndex,
  checkLayers,
  checkQuery,
  checkSources,
  floatData,
  sensitivityFromMeans,
  zeroChannel,
  type SensitivityLayer,
} from './sensitivity.js';

export class NaiveSensitivity {
  private constructor(
    /** The analysis layers, in order. */
    readonly layers: readonly SensitivityLayer[],
    private readonly full: InstrumentedModel,
  ) {}

  /** One instrumented full model: taps at every layer, interventions at every layer but the last. */
  static async create(model: ModelProto, layers: readonly SensitivityLayer[], options: SessionOptions = {}): Promise<NaiveSensitivity> {
    checkLayers(layers);
    const full = await InstrumentedModel.create(
      model,
      { taps: layers.map((l) => l.tensor), interventions: layers.slice(0, -1).map((l) => l.tensor) },
      options,
    );
    return new NaiveSensitivity([...layers], full);
  }

  /** Same contract as SensitivityEngine.scores, from the query image itself ([1, …]; copied). */
  async scores(layerIndex: number, query: TensorLike, sources: readonly number[]): Promise<Float64Array[]> {
    checkLayerIndex(this.layers, layerIndex);
    checkQuery(query);
    const source = this.layers[layerIndex]!;
    const target = this.layers[layerIndex + 1]!;
    checkSources(source, sources);
    const input = this.full.inputNames[0]!;
    const feed = () => ({ [input]: { ...query, data: query.data.slice(), dims: [...query.dims] } });
    const results: Float64Array[] = [];
    for (const c of sources) {
      // Pass 1: clean, tapping layer l.
      const clean = (await this.full.run(feed(), { taps: [source.tensor], outputs: false })).taps[source.tensor]!;
      const layout = channelLayout(source, clean.dims);
      const cleanData = floatData(clean, source.tensor);
      // Per-channel mask: 1 everywhere but channel c, broadcast over positions.
      const maskDims = clean.dims.map((d, axis) => (axis === channelAxis(source, clean.dims.length) ? d : 1));
      const mask = () => {
        const m = new Float32Array(source.channels).fill(1);
        m[c] = 0;
        return { data: m, dims: maskDims };
      };
      // Pass 2: channel c re-inserted from its clean map (patch = clean values at c, 0 elsewhere).
      const patch = cleanData.slice();
      for (let ch = 0; ch < source.channels; ch++) if (ch !== c) zeroChannel(patch, 0, ch, layout);
      const original = await this.full.run(feed(), {
        taps: [target.tensor],
        outputs: false,
        interventions: { [source.tensor]: { mask: mask(), patch: { data: patch, dims: [...clean.dims] } } },
      });
      // Pass 3: channel c zeroed.
      const ablated = await this.full.run(feed(), {
        taps: [target.tensor],
        outputs: false,
        interventions: { [source.tensor]: { mask: mask() } },
      });
      const y0 = original.taps[target.tensor]!;
      const y1 = ablated.taps[target.tensor]!;
      const outLayout = channelLayout(target, y0.dims);
      results.push(sensitivityFromMeans(channelMeans(floatData(y0, target.tensor), 0, outLayout), channelMeans(floatData(y1, target.tensor), 0, outLayout)));
    }
    return results;
  }

  close(): Promise<void> {
    return this.full.close();
  }
}
