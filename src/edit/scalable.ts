/**
 * A model whose recorded layers can be scaled per neuron at run time, for the explorer's live
 * interventions. instrumentModel gives every layer tensor T a mask and a patch input
 * (T' = T ⊙ mask + patch); one session then serves every intervention by feeding different masks
 * — the same rewrite the Ablator (circuits) runs and `neurolens edit` bakes, so the three agree.
 * Pure (protobufjs, no Node imports): the explorer runs it in the browser on the model file the
 * server hands over unchanged.
 */
import { NeurolensError } from '../errors.js';
import { serverMessages } from '../messages/server.js';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import { instrumentModel } from '../onnx/instrument.js';
import type { ModelProto, TensorProto } from '../onnx/types.js';
import type { FeatureLayout, LayerKind } from '../onnx/catalogue/index.js';
import { scaleDims } from './bake.js';

/** A layer that can be scaled (a run manifest's LayerRecord fits). */
export interface ScalableLayerSpec {
  id: string;
  /** Tensor name in the graph. */
  tensor: string;
  kind: LayerKind;
  channels: number;
  layout?: FeatureLayout;
}

export interface ScalableLayer extends ScalableLayerSpec {
  /** Graph input multiplied into the tensor. */
  mask: string;
  /** Graph input added after the mask (always fed 0 here). */
  patch: string;
}

export interface ScalableModel {
  /** The rewritten model, ready for an inference session. */
  bytes: Uint8Array;
  layers: ScalableLayer[];
  /**
   * Tensors to fetch once to learn their rank: a `vector` layer may be [N,D] or a pooled
   * [N,C,1,1], and its mask must have the same rank (the model's outputs do not say which).
   */
  rankTaps: string[];
}

export interface FeedTensor {
  data: Float32Array;
  dims: number[];
}

// Fresh arrays per feed: a runtime may transfer (detach) the buffers it is fed.
const one = (): FeedTensor => ({ data: Float32Array.of(1), dims: [1] });
const zero = (): FeedTensor => ({ data: Float32Array.of(0), dims: [1] });

/** Whether some weight of `model` lives in an external data file (the browser has only the .onnx). */
export function hasExternalData(model: ModelProto): boolean {
  const tensors: TensorProto[] = [...(model.graph?.initializer ?? [])];
  for (const node of model.graph?.node ?? []) for (const a of node.attribute ?? []) if (a.t) tensors.push(a.t);
  return tensors.some((t) => t.dataLocation === 1);
}

/** Rewrites `model` (bytes or decoded) so that each of `layers` can be scaled per neuron. */
export function scalableModel(model: Uint8Array | ModelProto, layers: readonly ScalableLayerSpec[], path = 'the model'): ScalableModel {
  const decoded = model instanceof Uint8Array ? decodeModel(model) : model;
  if (hasExternalData(decoded)) throw new NeurolensError('model', serverMessages.liveExternalData(path));
  const tensors = [...new Set(layers.map((l) => l.tensor))];
  const rankTaps = [...new Set(layers.filter((l) => l.kind === 'vector').map((l) => l.tensor))];
  const instrumented = instrumentModel(decoded, { interventions: tensors, taps: rankTaps });
  return {
    bytes: encodeModel(instrumented.model),
    layers: layers.map((l) => ({ ...l, ...instrumented.interventions[l.tensor]! })),
    rankTaps: rankTaps.map((t) => instrumented.taps[t]!),
  };
}

/** Rank of a layer's tensor: fixed by its kind, read from the first run for `vector` layers. */
function rankOf(layer: ScalableLayerSpec, tapRanks: ReadonlyMap<string, number>): number {
  if (layer.kind === 'feature') return 4;
  if (layer.kind === 'tokens') return 3;
  return tapRanks.get(layer.tensor) ?? 2;
}

/**
 * Mask and patch feeds for every layer of `model`: the factors in `scales` (layer id → one per
 * channel) where given, identity ([1]-shaped 1 and 0) elsewhere. `tapRanks` maps a vector layer's
 * tensor to its rank (from a first run fetching {@link ScalableModel.rankTaps}).
 */
export function scaleFeeds(model: ScalableModel, scales: ReadonlyMap<string, Float32Array>, tapRanks: ReadonlyMap<string, number> = new Map()): Record<string, FeedTensor> {
  const feeds: Record<string, FeedTensor> = {};
  // Two layer ids may share a tensor; their factors multiply into the one mask.
  const byTensor = new Map<string, { layer: ScalableLayer; values: Float32Array }>();
  for (const layer of model.layers) {
    feeds[layer.mask] ??= one();
    feeds[layer.patch] ??= zero();
    const values = scales.get(layer.id);
    if (!values) continue;
    const seen = byTensor.get(layer.tensor);
    if (seen) for (let c = 0; c < values.length; c++) seen.values[c]! *= values[c]!;
    else byTensor.set(layer.tensor, { layer, values: Float32Array.from(values) });
  }
  for (const { layer, values } of byTensor.values()) {
    feeds[layer.mask] = { data: values, dims: scaleDims(layer.kind, layer.channels, rankOf(layer, tapRanks), layer.layout) };
  }
  return feeds;
}
