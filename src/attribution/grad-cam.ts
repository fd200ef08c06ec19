/**
 * Grad-CAM (Selvaraju et al., 2017) and what the layer-gradient CAMs share (grad-cam++,
 * hirescam, layercam, xgrad-cam each combine the same two things differently).
 *
 * One gradient pass (forward + backward through the gradient graph, src/grad) gives a layer's
 * value A and the gradient G of the bound target with respect to it. The target is whatever the
 * Attributor bound — class logit or probability, a neuron's pooled activation, a circuit's sum —
 * so every target works. A and G become channel maps A_c, G_c through cam.ts channelMaps: feature
 * maps [N,C,H,W] (or channels-last), or ViT tokens [N,T,D] placed on the catalogue's patch grid with
 * the prefix tokens dropped (the class token's gradient is not part of any map). Maps are combined
 * at the layer's resolution, in float64, and upsampled bilinearly to the input (cam.ts toInputMap).
 *
 * Grad-CAM: w_c = mean over positions of G_c; map = ReLU(Σ_c w_c·A_c). On a GAP → linear head
 * read at the pooled layer, w_c = W[cls,c]/(H·W), so Grad-CAM is CAM/(H·W) through a ReLU.
 *
 * Passes: one gradient pass, which also gives the target value (no clean pass: gradientOnly).
 */
import type { NeuronMap } from '../maps/region.js';
import type { LayerInfo } from '../onnx/catalogue/index.js';
import { LAYER_OPTION, channelMaps, resolveMapLayer, toInputMap, weightedSum } from './cam.js';
import type { AttributionMethodSpec } from './method.js';
import type { MethodContext } from './scorer.js';
import type { AttributionMap } from './types.js';

/** A layer's channel maps and the target's gradient on each, at the layer's resolution (sample 0). */
export interface LayerGradients {
  acts: NeuronMap[];
  grads: NeuronMap[];
}

/** The value and target gradient of `layer` on the run's image: one gradient pass. */
export async function layerGradients(ctx: MethodContext, layer: LayerInfo): Promise<LayerGradients> {
  const batch = await ctx.gradients.compute(ctx.image, 1, { input: false, layers: [layer.tensor] });
  const { value, grad } = batch.layers[layer.tensor]!;
  return { acts: channelMaps(value, layer), grads: channelMaps(grad, layer) };
}

/** Σ over positions of a map (float64). */
export function mapSum(map: NeuronMap): number {
  let sum = 0;
  for (const v of map.data) sum += v;
  return sum;
}

/** Σ_c combine(A_c(p), G_c(p)) at every position p (float64 sums), optionally through ReLU. */
export function elementwiseSum(maps: LayerGradients, combine: (a: number, g: number) => number, relu: boolean): NeuronMap {
  const { height, width } = maps.acts[0]!;
  const acc = new Float64Array(height * width);
  maps.acts.forEach((a, c) => {
    const g = maps.grads[c]!;
    for (let p = 0; p < acc.length; p++) acc[p]! += combine(a.data[p]!, g.data[p]!);
  });
  const data = Float32Array.from(acc, (v) => (relu ? Math.max(0, v) : v));
  return { data, height, width };
}

/** Grad-CAM's channel weights: the gradient's mean over positions. */
export function gradCamWeights(grads: readonly NeuronMap[]): Float64Array {
  return Float64Array.from(grads, (g) => mapSum(g) / g.data.length);
}

/**
 * A layer-gradient CAM in the method registry: `--layer` (default: the layer feeding the head, as
 * for every CAM), any target, one gradient pass; `combine` turns A and G into the layer-resolution map.
 */
export function layerGradientMethod(name: string, summary: string, combine: (maps: LayerGradients) => NeuronMap): AttributionMethodSpec {
  return {
    name,
    summary,
    options: [LAYER_OPTION],
    gradientOnly: true,
    prepare: (ctx) => ({ layer: resolveMapLayer(ctx.summary, ctx.options.layer, name, ctx.modelName) }),
    async attribute(run): Promise<{ map: AttributionMap; passes: number }> {
      const small = combine(await layerGradients(run, run.prepared.layer!));
      return { map: toInputMap(small, run.shape.height, run.shape.width), passes: 1 };
    },
  };
}

export const gradCam = layerGradientMethod('grad-cam', 'layer maps weighted by their mean target gradient, ReLU; one gradient pass', (m) => weightedSum(m.acts, gradCamWeights(m.grads), true));
