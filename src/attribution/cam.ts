/**
 * Class activation maps and what the CAM family shares: choosing the layer whose maps are used,
 * reading its channel maps (feature maps [N,C,H,W], or ViT tokens [N,T,D] placed on the patch grid
 * the catalogue found, prefix tokens dropped — src/maps/region.ts neuronMap), weighted sums and
 * bilinear upsampling to the input (region.ts upsampleBilinear, torch align_corners=false).
 *
 * CAM itself (Zhou et al., 2016): map = Σ_c w[cls,c]·A_c at the map's resolution, upsampled; no
 * ReLU, so the map's spatial mean plus the bias is the logit. It needs a GAP → linear head (head.ts)
 * and is exact for the logit; with quantity 'probability' the map is still the logit's (softmax is
 * monotone in it), only the recorded clean score is the probability. One forward pass.
 */
import { NeurolensError } from '../errors.js';
import { attributionMessages } from '../messages/attribution.js';
import { neuronMap, upsampleBilinear, type NeuronMap } from '../maps/region.js';
import type { LayerInfo, ModelSummary } from '../onnx/catalogue/index.js';
import type { TensorLike } from '../runtime/types.js';
import type { GapHead } from './head.js';
import type { AttributionMethodSpec, MethodOption } from './method.js';
import type { MethodContext } from './scorer.js';
import { findLayer } from './target.js';
import type { AttributionMap } from './types.js';

declare module './types.js' {
  interface MethodOptions {
    /** cam, ablation-cam, score-cam: catalogue layer id (or tensor name) whose maps are used. Default: the last feature/token layer before the head. */
    layer?: string;
  }
}

/** `--layer`, shared by the CAM family; left out, the method's prepare picks the layer. */
export const LAYER_OPTION: MethodOption = {
  key: 'layer',
  flag: '--layer',
  placeholder: '<id>',
  parse: 'string',
  doc: 'layer id from `npx neurolens inspect` whose maps are used',
  defaultDoc: 'the layer feeding the head',
  default: (ctx) => ctx.defaultLayer?.(),
};

/**
 * The layer a CAM method reads: `name` (a catalogue id or tensor), or by default the last default
 * analysis layer that is a feature map or token tensor (the one feeding the head). It must be a
 * feature map, or tokens with a known patch grid.
 */
export function resolveMapLayer(summary: ModelSummary, name: string | undefined, method: string, modelName: string): LayerInfo {
  let layer: LayerInfo | undefined;
  if (name === undefined) {
    layer = summary.layers.filter((l) => l.isDefault && (l.kind === 'feature' || l.kind === 'tokens')).at(-1);
    if (!layer) throw new NeurolensError('model', attributionMessages.noDefaultLayer(modelName));
  } else layer = findLayer(summary, name, '--layer');
  checkMapLayer(layer, method);
  return layer;
}

/** A layer must be spatial: a feature map, or tokens on a known grid. */
export function checkMapLayer(layer: LayerInfo, method: string): void {
  if (layer.kind === 'vector') throw new NeurolensError('usage', attributionMessages.layerKind(method, layer.id, layer.kind));
  if (layer.kind === 'tokens' && !layer.tokens?.grid) throw new NeurolensError('usage', attributionMessages.noTokenGrid(layer.id));
}

/** Every channel's map of sample 0 of a layer's tensor (h×w each; tokens on their patch grid). */
export function channelMaps(activation: TensorLike, layer: LayerInfo): NeuronMap[] {
  const channelsLast = activation.dims.length === 3 || (activation.dims.length === 4 && layer.layout === 'NHWC');
  const channels = channelsLast ? activation.dims.at(-1)! : activation.dims[1]!;
  return Array.from({ length: channels }, (_, c) => neuronMap(activation, c, layer, 0));
}

/** Σ_k weights[k]·maps[k] (float64 sums), optionally through ReLU. */
export function weightedSum(maps: readonly NeuronMap[], weights: ArrayLike<number>, relu: boolean): NeuronMap {
  const { height, width } = maps[0]!;
  const acc = new Float64Array(height * width);
  maps.forEach((m, k) => {
    const w = weights[k]!;
    if (w === 0) return;
    for (let p = 0; p < acc.length; p++) acc[p]! += w * m.data[p]!;
  });
  const data = new Float32Array(acc.length);
  for (let p = 0; p < acc.length; p++) data[p] = relu ? Math.max(0, acc[p]!) : acc[p]!;
  return { data, height, width };
}

/** A layer-resolution map brought to the input size (identity when the sizes already agree). */
export function toInputMap(map: NeuronMap, height: number, width: number): AttributionMap {
  const data = map.height === height && map.width === width ? map.data.slice() : upsampleBilinear(map, height, width);
  return { data, height, width };
}

/** CAM of class `cls` from the clean run's tap of `layer` (the pooled map or one of its channels' width). */
export function camMap(ctx: MethodContext, head: GapHead, layer: LayerInfo, cls: number): AttributionMap {
  const maps = channelMaps(ctx.cleanTaps[layer.tensor]!, layer);
  const weights = head.weights.subarray(cls * head.channels, (cls + 1) * head.channels);
  return toInputMap(weightedSum(maps, weights, false), ctx.shape.height, ctx.shape.width);
}

/** CAM in the method registry: class targets of models with a GAP → linear head only. */
export const cam: AttributionMethodSpec = {
  name: 'cam',
  summary: 'class activation map from the GAP → linear head; no extra pass',
  options: [LAYER_OPTION],
  prepare(ctx) {
    if (ctx.target.kind !== 'pred' && ctx.target.kind !== 'class') throw new NeurolensError('usage', attributionMessages.targetNotClass('cam'));
    const head = ctx.gapHead();
    const layer = ctx.options.layer === undefined ? ctx.headLayer(head) : findLayer(ctx.summary, ctx.options.layer, '--layer');
    checkMapLayer(layer, 'cam');
    if (layer.kind !== 'feature' || layer.channels !== head.channels) {
      throw new NeurolensError('usage', attributionMessages.camLayer(layer.id, layer.channels, ctx.headLayer(head).id, head.channels));
    }
    return { layer, head };
  },
  attribute: async (run) => ({ map: camMap(run, run.prepared.head!, run.prepared.layer!, run.cls!), passes: 0 }),
};
