/**
 * Ablation-CAM (Desai & Ramaswamy, 2020): at a layer with channel maps A_k (a feature map, or ViT
 * tokens on their patch grid), channel k's weight is the relative drop of the target when the
 * channel is zeroed: w_k = (y − y_k)/y, with y the clean score and y_k the score with channel k
 * set to 0 at every position (every token, class token included) through an intervention mask.
 * map = ReLU(Σ_k w_k·A_k) at the layer's resolution, upsampled bilinearly to the input.
 *
 * Zeroing runs as one batch row per channel: the image repeated, per-row masks of shape
 * [rows, C, 1, 1] (feature maps) or [rows, 1, D] (tokens), as src/maps/ablate.ts does, at most
 * maxBatch rows per run. Passes: one per channel.
 *
 * y ≈ 0 (|y| < 1e-6): dividing by y would only rescale every weight by the same huge factor (and
 * blow rounding noise up), so the division is skipped and w_k = y − y_k. Note that for y < 0 the
 * division flips every weight's sign, as in the reference implementation (pytorch-grad-cam).
 */
import { maskDims } from '../maps/mask-dims.js';
import type { LayerInfo } from '../onnx/catalogue/index.js';
import { LAYER_OPTION, channelMaps, resolveMapLayer, toInputMap, weightedSum } from './cam.js';
import type { AttributionMethodSpec } from './method.js';
import type { MethodContext } from './scorer.js';
import type { AttributionMap } from './types.js';

/** |y| below this is treated as 0 (see the module comment). */
export const ABLATION_EPSILON = 1e-6;

/** The ablation weights w_k for y_k = `ablated[k]`. */
export function ablationWeights(clean: number, ablated: Float32Array): Float64Array {
  const divide = Math.abs(clean) >= ABLATION_EPSILON;
  return Float64Array.from(ablated, (yk) => (divide ? (clean - yk) / clean : clean - yk));
}

export async function ablationCamMap(ctx: MethodContext, layer: LayerInfo): Promise<{ map: AttributionMap; passes: number; weights: Float64Array }> {
  const { image, scorer } = ctx;
  const maps = channelMaps(ctx.cleanTaps[layer.tensor]!, layer);
  const channels = maps.length;
  const size = image.length;
  const ablated = new Float32Array(channels);
  for (let start = 0; start < channels; start += scorer.maxBatch) {
    const n = Math.min(scorer.maxBatch, channels - start);
    const data = new Float32Array(n * size);
    const mask = new Float32Array(n * channels).fill(1);
    for (let r = 0; r < n; r++) {
      data.set(image, r * size);
      mask[r * channels + start + r] = 0;
    }
    const dims = maskDims({ kind: layer.kind, channels, ...(layer.layout ? { layout: layer.layout } : {}) }, n);
    ablated.set(await scorer.scoreOwned(data, n, { [layer.tensor]: { mask: { data: mask, dims } } }), start);
  }
  const weights = ablationWeights(ctx.clean, ablated);
  const map = toInputMap(weightedSum(maps, weights, true), ctx.shape.height, ctx.shape.width);
  return { map, passes: channels, weights };
}

/** Ablation-CAM in the method registry: any target; the chosen layer is intervened on. */
export const ablationCam: AttributionMethodSpec = {
  name: 'ablation-cam',
  summary: 'channels of a layer zeroed one at a time; one pass per channel',
  options: [LAYER_OPTION],
  prepare(ctx) {
    const layer = resolveMapLayer(ctx.summary, ctx.options.layer, 'ablation-cam', ctx.modelName);
    return { layer, edits: [layer.tensor] };
  },
  attribute: (run) => ablationCamMap(run, run.prepared.layer!),
};
