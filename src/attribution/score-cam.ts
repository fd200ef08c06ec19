/**
 * Score-CAM (Wang et al., 2020): channel k's map A_k (a feature map, or ViT tokens on their patch
 * grid) is upsampled bilinearly to the input and min–max normalised to [0, 1] (a constant map
 * becomes all 0, as the reference's +1e-8 denominator does) — the mask M_k. The image is shown
 * through it: image⊙M_k + baseline⊙(1−M_k) (fill.ts; 'zero' gives the paper's image⊙M_k in
 * tensor units). The channel's weight is the softmax over channels of its score increase over the
 * baseline input, s_k − s_b; softmax is shift-invariant, so this equals the softmax of the s_k and
 * the baseline's pass is not spent. map = ReLU(Σ_k w_k·A_k) at the layer's resolution, upsampled.
 * Channels run as batch rows, at most maxBatch per run. Passes: one per channel.
 */
import type { LayerInfo } from '../onnx/catalogue/index.js';
import { upsampleBilinear } from '../maps/region.js';
import { LAYER_OPTION, channelMaps, resolveMapLayer, toInputMap, weightedSum } from './cam.js';
import { FILL_OPTION, blendInto, fillBaseline, type FillKind } from './fill.js';
import type { AttributionMethodSpec } from './method.js';
import type { MethodContext } from './scorer.js';
import type { AttributionMap } from './types.js';

/** Softmax of `scores` (float64, max-shifted). */
export function softmaxWeights(scores: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) max = Math.max(max, scores[i]!);
  const out = Float64Array.from({ length: scores.length }, (_, i) => Math.exp(scores[i]! - max));
  let sum = 0;
  for (const v of out) sum += v;
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

/** `map` min–max normalised to [0, 1] in place (all 0 when constant). */
function normalise(map: Float32Array): void {
  let min = Infinity;
  let max = -Infinity;
  for (const v of map) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  for (let i = 0; i < map.length; i++) map[i] = range > 0 ? (map[i]! - min) / range : 0;
}

export async function scoreCamMap(ctx: MethodContext, layer: LayerInfo, fill: FillKind): Promise<{ map: AttributionMap; passes: number; weights: Float64Array }> {
  const { image, shape, scorer } = ctx;
  const { height, width } = shape;
  const maps = channelMaps(ctx.cleanTaps[layer.tensor]!, layer);
  const channels = maps.length;
  const base = fillBaseline(image, shape, fill);
  const size = image.length;
  const scores = new Float32Array(channels);
  for (let start = 0; start < channels; start += scorer.maxBatch) {
    const n = Math.min(scorer.maxBatch, channels - start);
    const data = new Float32Array(n * size);
    for (let r = 0; r < n; r++) {
      const mask = upsampleBilinear(maps[start + r]!, height, width);
      normalise(mask);
      blendInto(data.subarray(r * size, (r + 1) * size), image, base, mask, shape);
    }
    scores.set(await scorer.scoreOwned(data, n), start);
  }
  const weights = softmaxWeights(scores);
  const map = toInputMap(weightedSum(maps, weights, true), height, width);
  return { map, passes: channels, weights };
}

/** Score-CAM in the method registry: any target. */
export const scoreCam: AttributionMethodSpec = {
  name: 'score-cam',
  summary: 'the image shown through each channel map of a layer; one pass per channel',
  options: [LAYER_OPTION, FILL_OPTION],
  prepare: (ctx) => ({ layer: resolveMapLayer(ctx.summary, ctx.options.layer, 'score-cam', ctx.modelName) }),
  attribute: (run) => scoreCamMap(run, run.prepared.layer!, run.options.fill!),
};
