/**
 * The visualisation check's reference: each neuron's best dataset image in the *mean* pooling (its
 * activation averaged over positions — the very quantity the optimisation maximises), read from
 * the run's recorded activation matrix, so both sides of the comparison are the same number.
 */
import type { LayerRecord } from '../record/types.js';
import type { OpenRun } from '../run/types.js';

export interface BestImages {
  /** Per neuron, the largest mean-pooled activation over the run's images. */
  value: Float64Array;
  /** Per neuron, the run image index holding it (the first on ties). */
  index: Int32Array;
}

export async function bestImages(run: OpenRun, layer: LayerRecord): Promise<BestImages> {
  const data = await run.readActivations(layer, 'mean');
  const channels = layer.channels;
  const images = data.length / channels;
  const value = new Float64Array(channels).fill(-Infinity);
  const index = new Int32Array(channels);
  for (let i = 0; i < images; i++) {
    for (let c = 0; c < channels; c++) {
      const v = data[i * channels + c]!;
      if (v > value[c]!) {
        value[c] = v;
        index[c] = i;
      }
    }
  }
  return { value, index };
}
