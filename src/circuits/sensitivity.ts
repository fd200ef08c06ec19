/**
 * Neuron Sensitivity Scores for Granular Concept Circuits (issue 5), batched.
 *
 * For a query image q and consecutive analysis layers l, l+1, the score of the edge (l, c) → (l+1, c′)
 * is obtained by re-running only "block l+1" on q's clean layer-l tensor with channel c zeroed at every
 * position (every spatial position of a feature map; every token, class token included, of a token
 * tensor):
 *   S̃(c′) = max(0, mean over positions of (clean − ablated) output of c′),
 *   S(c′)  = S̃(c′) / Σ_c″ S̃(c″)        (Σ = 0 → no edges: all zeros).
 *
 * "Block l+1" is the cut sub-graph layer l → layer l+1 (cutModel). Its batch rows are built directly:
 * the clean layer-l tensor repeated, one source channel zeroed per row, plus the clean row once per
 * (query, layer) — so all sources of a layer cost ⌈(k+1)/batch⌉ runs of a small graph instead of
 * 3·k full-model passes (naive.ts). The clean row goes through the same cut as the ablated rows, so a
 * source without influence gives exactly 0, not float noise.
 *
 * Extra cut inputs (cutInputsFor): in a CNN the next block reads only block l's output. In a ViT the
 * layer-l tensor is block l's MLP GELU hidden, and block l+1 also needs the residual stream that
 * block l's fc2 output is added to. Such tensors are found from the graph and fed clean (tapped from
 * the full model, never ablated).
 *
 * Sessions: ONE instrumented full model (taps of every analysis layer + every extra cut input) and
 * ONE session per cut, created on first use and reused for every query until close() — creating and
 * releasing onnxruntime sessions per query leaks native memory.
 */
import { NeurolensError } from '../errors.js';
import { circuitMessages } from '../messages/circuits.js';
import { onnxMessages } from '../messages/index.js';
import type { LayerInfo } from '../onnx/catalogue/index.js';
import { encodeModel } from '../onnx/codec.js';
import { cutModel } from '../onnx/cut.js';
import { hasTensor, indexGraph, nodeInputs, SHAPE_ONLY_OPS, type GraphIndex } from '../onnx/graph.js';
import { unknownTensor } from '../onnx/instrument.js';
import type { ModelProto } from '../onnx/types.js';
import { InstrumentedModel } from '../runtime/instrumented.js';
import { ModelSession } from '../runtime/session.js';
import type { SessionOptions, TensorLike } from '../runtime/types.js';

/** What the engine needs to know about an analysis layer (a LayerInfo fits). */
export type SensitivityLayer = Pick<LayerInfo, 'id' | 'tensor' | 'kind' | 'channels' | 'layout'>;

export interface SensitivityOptions extends SessionOptions {
  /**
   * Rows per run of a cut sub-graph: ablated copies of the layer-l tensor (the clean row, computed
   * once per query and layer, takes one of them in the first run). Default 32. Larger batches mean
   * fewer runs and more memory (batch × the layer-l+1 tensor of one image).
   */
  batch?: number;
}

/** The query's clean tensors, from one full-model pass (batch 1). */
export interface CleanActivations {
  /** Per analysis layer, in the engine's layer order: its tensor for the query. */
  layers: TensorLike[];
  /** Extra cut input tensor name → its clean value (e.g. a ViT block's residual stream). */
  extras: Record<string, TensorLike>;
}

/**
 * The inputs a cut from `fromTensor` to `toTensor` needs: `fromTensor` first, then every tensor that
 * the part of the graph computed from `fromTensor` reads but that is not itself computed from
 * `fromTensor` and depends on a real graph input (weights and constant sub-graphs are not inputs;
 * cutModel carries them along). Order after the first: graph inputs, then node outputs in graph order.
 *
 * Why this is the right set: walk back from `toTensor` through nodes downstream of `fromTensor` only;
 * whatever the walk reads from outside that region is a boundary value. Boundary values that are
 * not constants are exactly what cutModel would otherwise report as missing (it walks all the way
 * back to the image). For a CNN the set is just [fromTensor]; for a pre-LN ViT from block l's MLP
 * hidden to block l+1's it adds block l's attention residual Add (the stream fc2 is added to).
 * Shape computations are not boundary values: the cut recomputes them, and the tensors their Shape
 * ops read (in a windowed-attention export, often the image itself) are fed instead, batch and all.
 */
export function cutInputsFor(model: ModelProto, fromTensor: string, toTensor: string): string[] {
  if (!model.graph) throw new NeurolensError('model', onnxMessages.noGraph());
  const index = indexGraph(model.graph);
  if (!hasTensor(index, fromTensor)) throw unknownTensor(index, fromTensor, 'cut input');
  if (!hasTensor(index, toTensor)) throw unknownTensor(index, toTensor, 'cut output');
  const downstream = downstreamOf(index, fromTensor);
  if (fromTensor === toTensor || !downstream.has(toTensor)) {
    throw new NeurolensError('model', circuitMessages.cutIndependent(fromTensor, toTensor));
  }
  const extras = new Set<string>();
  const visited = new Set<string>([fromTensor]);
  const stack = [toTensor];
  while (stack.length > 0) {
    const tensor = stack.pop()!;
    if (visited.has(tensor)) continue;
    visited.add(tensor);
    if (!downstream.has(tensor)) {
      const reads = readsGraphInput(index, tensor);
      if (reads === 'values') extras.add(tensor);
      // A shape computation (e.g. a Reshape target built from the image's batch size) is carried
      // into the cut as it is: fed clean it would hold batch 1, not the cut's batch, and its
      // int64 value would have to pass as an activation. Only what its Shape ops read is fed.
      else if (reads === 'shape') stack.push(...nodeInputs(index.nodes[index.producers.get(tensor)!]!));
      continue;
    }
    for (const input of nodeInputs(index.nodes[index.producers.get(tensor)!]!)) stack.push(input);
  }
  const inputOrder = [...index.inputs];
  const position = (name: string) =>
    index.inputs.has(name) ? inputOrder.indexOf(name) - inputOrder.length : index.producers.get(name) ?? Number.MAX_SAFE_INTEGER;
  return [fromTensor, ...[...extras].sort((a, b) => position(a) - position(b))];
}

/** Every tensor computed (directly or not) from `tensor`, itself included. */
function downstreamOf(index: GraphIndex, tensor: string): Set<string> {
  const reached = new Set([tensor]);
  const stack = [tensor];
  while (stack.length > 0) {
    for (const at of index.consumers.get(stack.pop()!) ?? []) {
      for (const output of index.nodes[at]!.output ?? []) {
        if (output !== '' && !reached.has(output)) {
          reached.add(output);
          stack.push(output);
        }
      }
    }
  }
  return reached;
}

/**
 * How computing `tensor` depends on the real graph inputs: 'values' when it reads their values,
 * 'shape' when only through Shape/Size ops (a shape computation), 'none' for weights and constants.
 */
function readsGraphInput(index: GraphIndex, tensor: string): 'values' | 'shape' | 'none' {
  const seen = new Set<string>();
  const stack: { name: string; shapeOnly: boolean }[] = [{ name: tensor, shapeOnly: false }];
  let reads: 'shape' | 'none' = 'none';
  while (stack.length > 0) {
    const { name, shapeOnly } = stack.pop()!;
    if (index.inputs.has(name)) {
      if (!shapeOnly) return 'values';
      reads = 'shape';
      continue;
    }
    const key = `${shapeOnly ? 's' : 'v'}:${name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const at = index.producers.get(name);
    if (at === undefined) continue;
    const node = index.nodes[at]!;
    const throughShape = shapeOnly || SHAPE_ONLY_OPS.has(node.opType ?? '');
    for (const input of nodeInputs(node)) stack.push({ name: input, shapeOnly: throughShape });
  }
  return reads;
}

// ---- tensor layout helpers (shared with naive.ts) ----

/**
 * Where a layer's channel sits in one row of its tensor: [N,C,H,W] and [N,C] have the channel at
 * axis 1 (positions after it), [N,T,D] and channels-last [N,H,W,C] at the last axis (positions
 * before it). Element
 * (position o·inner + i, channel c) of a row is at o·C·inner + c·inner + i.
 */
export interface ChannelLayout {
  channels: number;
  /** Product of the dims between the batch dim and the channel axis (tokens T, else 1). */
  outer: number;
  /** Product of the dims after the channel axis (H·W for feature maps, else 1). */
  inner: number;
  /** Values per batch row. */
  rowSize: number;
}

/** The channel axis of a layer's tensor: last for tokens and channels-last maps, else 1. */
export function channelAxis(layer: Pick<SensitivityLayer, 'layout'>, rank: number): number {
  return rank === 3 || (rank === 4 && layer.layout === 'NHWC') ? rank - 1 : 1;
}

export function channelLayout(layer: SensitivityLayer, dims: readonly number[]): ChannelLayout {
  const axis = channelAxis(layer, dims.length);
  if (dims.length < 2 || dims.length > 4 || dims[axis] !== layer.channels) {
    throw new NeurolensError('model', circuitMessages.layerShape(layer.id, layer.tensor, dims, layer.channels));
  }
  const outer = dims.slice(1, axis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  return { channels: layer.channels, outer, inner, rowSize: outer * layer.channels * inner };
}

/** Per channel: the mean over positions of row `row` (float64 sums). */
export function channelMeans(data: Float32Array, row: number, layout: ChannelLayout): Float64Array {
  const { channels, outer, inner, rowSize } = layout;
  const sums = new Float64Array(channels);
  const base = row * rowSize;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const start = base + (o * channels + c) * inner;
      let s = 0;
      for (let i = 0; i < inner; i++) s += data[start + i]!;
      sums[c] += s;
    }
  }
  const positions = outer * inner;
  for (let c = 0; c < channels; c++) sums[c] /= positions;
  return sums;
}

/** Sets channel `channel` of row `row` to zero at every position. */
export function zeroChannel(data: Float32Array, row: number, channel: number, layout: ChannelLayout): void {
  const { channels, outer, inner, rowSize } = layout;
  for (let o = 0; o < outer; o++) data.fill(0, row * rowSize + (o * channels + channel) * inner, row * rowSize + (o * channels + channel + 1) * inner);
}

/** S from the clean and ablated per-channel means: clip negative drops to 0, normalise to sum 1. */
export function sensitivityFromMeans(clean: Float64Array, ablated: Float64Array): Float64Array {
  const scores = new Float64Array(clean.length);
  let sum = 0;
  for (let c = 0; c < clean.length; c++) {
    const drop = clean[c]! - ablated[c]!;
    scores[c] = drop > 0 ? drop : 0;
    sum += scores[c]!;
  }
  if (sum > 0) for (let c = 0; c < scores.length; c++) scores[c] /= sum;
  else scores.fill(0);
  return scores;
}

export function floatData(tensor: TensorLike, name: string): Float32Array {
  if (!(tensor.data instanceof Float32Array)) throw new NeurolensError('model', circuitMessages.notFloat(name, tensor.type ?? 'non-float32'));
  return tensor.data;
}

/** Usage checks shared with naive.ts: at least two layers, a valid layer index and sources, a batch-1 query. */
export function checkLayers(layers: readonly SensitivityLayer[]): void {
  if (layers.length < 2) throw new NeurolensError('usage', circuitMessages.tooFewLayers(layers.length));
}

export function checkSources(layer: SensitivityLayer, sources: readonly number[]): void {
  for (const c of sources) {
    if (!Number.isInteger(c) || c < 0 || c >= layer.channels) throw new NeurolensError('usage', circuitMessages.badSource(c, layer.id, layer.channels));
  }
}

export function checkLayerIndex(layers: readonly SensitivityLayer[], layerIndex: number): void {
  if (!Number.isInteger(layerIndex) || layerIndex < 0 || layerIndex >= layers.length - 1) {
    throw new NeurolensError('usage', circuitMessages.badLayerIndex(layerIndex, layers.length - 2));
  }
}

export function checkQuery(query: TensorLike): void {
  if (query.dims.length === 0 || query.dims[0] !== 1) throw new NeurolensError('usage', circuitMessages.queryBatch(query.dims));
}

// ---- the engine ----

export class SensitivityEngine {
  private readonly cuts = new Map<number, Promise<ModelSession>>();
  /** Per clean query and layer index: the clean layer-l+1 means from the cut (computed once). */
  private readonly cleanMeans = new WeakMap<CleanActivations, Map<number, Float64Array>>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly model: ModelProto,
    /** The analysis layers, in order. */
    readonly layers: readonly SensitivityLayer[],
    /** Per layer index l < last: the inputs of the cut l → l+1 (layer l's tensor first, then extras). */
    readonly cutInputs: readonly (readonly string[])[],
    private readonly full: InstrumentedModel,
    private readonly batch: number,
    private readonly sessionOptions: SessionOptions,
  ) {}

  /**
   * Instruments `model` once (taps of every layer and every extra cut input) and opens its session.
   * `layers` must be consecutive analysis layers in graph order (e.g. the catalogue's defaults).
   */
  static async create(model: ModelProto, layers: readonly SensitivityLayer[], options: SensitivityOptions = {}): Promise<SensitivityEngine> {
    const { batch = 32, ...sessionOptions } = options;
    if (!Number.isInteger(batch) || batch < 1) throw new NeurolensError('usage', circuitMessages.badBatch(batch));
    checkLayers(layers);
    const cutInputs = layers.slice(0, -1).map((layer, l) => cutInputsFor(model, layer.tensor, layers[l + 1]!.tensor));
    const taps = [...new Set([...layers.map((l) => l.tensor), ...cutInputs.flatMap((inputs) => inputs.slice(1))])];
    const full = await InstrumentedModel.create(model, { taps }, sessionOptions);
    return new SensitivityEngine(model, [...layers], cutInputs, full, batch, sessionOptions);
  }

  /** One full-model pass on the query ([1, …] image; its data is copied, not consumed). */
  async clean(query: TensorLike): Promise<CleanActivations> {
    checkQuery(query);
    const input = this.full.inputNames[0]!;
    const { taps } = await this.full.run({ [input]: { ...query, data: query.data.slice(), dims: [...query.dims] } }, { outputs: false });
    const layers = this.layers.map((layer) => {
      const value = taps[layer.tensor]!;
      channelLayout(layer, value.dims);
      floatData(value, layer.tensor);
      return value;
    });
    const extras: Record<string, TensorLike> = {};
    for (const inputs of this.cutInputs) for (const name of inputs.slice(1)) extras[name] = taps[name]!;
    return { layers, extras };
  }

  /**
   * Sensitivity of every layer-(l+1) neuron to each source channel of layer l (l = layerIndex), for
   * the query whose clean tensors are `clean`. Returns, per source in the given order, S over the
   * layer-(l+1) channels (sums to 1, or all zeros when no channel drops).
   */
  async scores(layerIndex: number, clean: CleanActivations, sources: readonly number[]): Promise<Float64Array[]> {
    checkLayerIndex(this.layers, layerIndex);
    const source = this.layers[layerIndex]!;
    const target = this.layers[layerIndex + 1]!;
    checkSources(source, sources);
    if (sources.length === 0) return [];
    const cleanSource = clean.layers[layerIndex]!;
    const layout = channelLayout(source, cleanSource.dims);
    const cleanData = floatData(cleanSource, source.tensor);
    const session = await this.cutSession(layerIndex);
    const perQuery = this.cleanMeans.get(clean) ?? new Map<number, Float64Array>();
    this.cleanMeans.set(clean, perQuery);
    let cleanMeans = perQuery.get(layerIndex);

    const results: Float64Array[] = [];
    for (let next = 0; next < sources.length; ) {
      const withClean = cleanMeans === undefined;
      const chunk = sources.slice(next, next + this.batch - (withClean ? 1 : 0));
      const rows = chunk.length + (withClean ? 1 : 0);
      const data = new Float32Array(rows * layout.rowSize);
      for (let r = 0; r < rows; r++) data.set(cleanData, r * layout.rowSize);
      const first = withClean ? 1 : 0;
      chunk.forEach((c, i) => zeroChannel(data, first + i, c, layout));
      const feeds: Record<string, TensorLike> = { [source.tensor]: { data, dims: [rows, ...cleanSource.dims.slice(1)] } };
      for (const name of this.cutInputs[layerIndex]!.slice(1)) feeds[name] = repeatRows(clean.extras[name]!, rows);
      const output = (await session.run(feeds, [target.tensor]))[target.tensor]!;
      const outData = floatData(output, target.tensor);
      const outLayout = channelLayout(target, output.dims);
      if (withClean) {
        cleanMeans = channelMeans(outData, 0, outLayout);
        perQuery.set(layerIndex, cleanMeans);
      }
      for (let i = 0; i < chunk.length; i++) results.push(sensitivityFromMeans(cleanMeans!, channelMeans(outData, first + i, outLayout)));
      next += chunk.length;
    }
    return results;
  }

  /** Releases the full-model session and every cut session. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const sessions = await Promise.allSettled([...this.cuts.values()]);
      this.cuts.clear();
      await Promise.all([this.full.close(), ...sessions.flatMap((s) => (s.status === 'fulfilled' ? [s.value.close()] : []))]);
    })();
    return this.closing;
  }

  /** The cut l → l+1 as a session, created on first use and kept until close(). */
  private cutSession(layerIndex: number): Promise<ModelSession> {
    if (this.closing) return Promise.reject(new NeurolensError('runtime', circuitMessages.engineClosed()));
    let session = this.cuts.get(layerIndex);
    if (!session) {
      const cut = cutModel(this.model, { from: [...this.cutInputs[layerIndex]!], to: [this.layers[layerIndex + 1]!.tensor] });
      session = ModelSession.createTransferring(encodeModel(cut), this.sessionOptions);
      // A failed start is not cached, so a later call can try again.
      session.catch(() => this.cuts.delete(layerIndex));
      this.cuts.set(layerIndex, session);
    }
    return session;
  }
}

/** `tensor` (batch 1) repeated `rows` times along the batch dim. */
function repeatRows(tensor: TensorLike, rows: number): TensorLike {
  const size = tensor.data.length;
  const Ctor = tensor.data.constructor as new (length: number) => TensorLike['data'];
  const data = new Ctor(size * rows);
  for (let r = 0; r < rows; r++) (data as Float32Array).set(tensor.data as Float32Array, r * size);
  return { data, dims: [rows, ...tensor.dims.slice(1)], ...(tensor.type ? { type: tensor.type } : {}) };
}
