/**
 * Baking an edit into a standalone ONNX model. instrumentModel (src/onnx/instrument.ts) already
 * rewrites each edited tensor T as `T = Add(Mul(T__raw, mask), patch)` with mask and patch as
 * graph inputs; here the mask becomes an initializer holding the per-channel factors, the Add is
 * dropped (the Mul writes T itself) and both inputs are removed. What is left feeds exactly like
 * the original model, so it runs anywhere ONNX runs, and gives the same values as the
 * InstrumentedModel fed that mask and a zero patch (Mul by the same numbers; adding 0 is exact).
 */
import { NeurolensError } from '../errors.js';
import { editMessages } from '../messages/index.js';
import { makeValueInfo } from '../onnx/builder.js';
import { encodeModel } from '../onnx/codec.js';
import { uniqueName } from '../onnx/graph.js';
import { instrumentModel } from '../onnx/instrument.js';
import { makeTensor } from '../onnx/tensor.js';
import { int64ToNumber, type GraphProto, type ModelProto, type NodeProto, type TensorProto } from '../onnx/types.js';
import type { FeatureLayout, LayerKind } from '../onnx/catalogue/index.js';

/** One tensor to scale per channel. */
export interface BakeEdit {
  /** Tensor name in the graph (computed by a node, float32). */
  tensor: string;
  /** Dims of the factor tensor; broadcast against the tensor (e.g. [1, C, 1, 1]). */
  dims: number[];
  /** Factors, one per element of `dims` (1 leaves a channel unchanged). */
  values: Float32Array;
}

/** metadata_props key recording an edit; a model edited again gets `neurolens.edit.2`, … */
export const EDIT_METADATA_KEY = 'neurolens.edit';

/** Largest model a single protobuf message can hold (2 GiB − 1 byte). */
const PROTOBUF_LIMIT = 2 ** 31 - 1;

/**
 * Dims of a per-channel factor for a tensor of `rank` dims: the channel axis is the last one for
 * token tensors [N,T,D] and axis 1 otherwise ([N,C,H,W], [N,D], a pooled [N,C,1,1]); every other
 * axis is 1 so the factor broadcasts over the batch and every position.
 */
export function scaleDims(kind: LayerKind, channels: number, rank: number, layout?: FeatureLayout): number[] {
  const dims = new Array<number>(Math.max(rank, 2)).fill(1);
  dims[channelAxis(kind, rank, layout)] = channels;
  return dims;
}

/** The axis {@link scaleDims} puts the channels on: last for tokens and channels-last maps, else 1. */
export function channelAxis(kind: LayerKind, rank: number, layout?: FeatureLayout): number {
  return kind === 'tokens' || (kind === 'feature' && layout === 'NHWC') ? Math.max(rank, 2) - 1 : 1;
}

/** Per-channel factors: `scale` at `edited`, 1 elsewhere. */
export function scaleValues(channels: number, edited: readonly number[], scale: number): Float32Array {
  const values = new Float32Array(channels).fill(1);
  for (const c of edited) values[c] = scale;
  return values;
}

/**
 * Returns `model` with each edit baked in and `metadata` (when given) recorded under
 * {@link EDIT_METADATA_KEY}. The input model is not modified; weights are shared, not copied.
 */
export function bakeScales(model: ModelProto, edits: readonly BakeEdit[], metadata?: string): ModelProto {
  const instrumented = instrumentModel(model, { interventions: edits.map((e) => e.tensor) });
  const graph = instrumented.model.graph!;
  const nodes: NodeProto[] = [...(graph.node ?? [])];
  const nodeNames = new Set(nodes.map((n) => n.name ?? '').filter((n) => n !== ''));
  const initializers: TensorProto[] = [...(graph.initializer ?? [])];
  const removed = new Set<string>();
  // Before IR version 4 every initializer must also be declared as a graph input.
  const keepInputs = int64ToNumber(model.irVersion) > 0 && int64ToNumber(model.irVersion) < 4;
  const declared = new Map<string, ReturnType<typeof makeValueInfo>>();
  let valueInfo = [...(graph.valueInfo ?? [])];
  const outputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));

  for (const edit of edits) {
    const io = instrumented.interventions[edit.tensor]!;
    const addAt = nodes.findIndex((n) => n.opType === 'Add' && n.input?.[1] === io.patch);
    const add = nodes[addAt]!;
    const mulAt = nodes.findIndex((n) => n.opType === 'Mul' && n.output?.[0] === add.input![0]);
    const mul = nodes[mulAt]!;
    nodeNames.delete(mul.name ?? '');
    nodes[mulAt] = { ...mul, name: uniqueName(`neurolens/edit/${edit.tensor}/Mul`, nodeNames), output: [edit.tensor] };
    nodes.splice(addAt, 1);
    initializers.push(makeTensor(io.mask, edit.values, edit.dims));
    removed.add(io.patch);
    if (keepInputs) declared.set(io.mask, makeValueInfo(io.mask, 'float32', edit.dims));
    else removed.add(io.mask);
    // instrumentModel moved T's declared shape to T__raw; T has that same shape again.
    const raw = mul.input![0]!;
    const rawInfo = valueInfo.find((v) => v.name === raw);
    if (rawInfo && !outputs.has(edit.tensor)) valueInfo = [...valueInfo, { ...rawInfo, name: edit.tensor }];
  }

  const rewritten: GraphProto = {
    ...graph,
    node: nodes,
    initializer: initializers,
    input: (graph.input ?? []).filter((v) => !removed.has(v.name ?? '')).map((v) => declared.get(v.name ?? '') ?? v),
    valueInfo,
  };
  const metadataProps = [...(model.metadataProps ?? [])];
  if (metadata !== undefined) {
    const keys = new Set(metadataProps.map((p) => p.key ?? ''));
    let key = EDIT_METADATA_KEY;
    for (let n = 2; keys.has(key); n++) key = `${EDIT_METADATA_KEY}.${n}`;
    metadataProps.push({ key, value: metadata });
  }
  return { ...instrumented.model, graph: rewritten, metadataProps };
}

/** Bytes of tensor payload in a graph (weights and tensor attributes, sub-graphs included). */
export function payloadBytes(graph: GraphProto): number {
  const tensorBytes = (t: TensorProto): number =>
    (t.rawData?.byteLength ?? 0) + 4 * ((t.floatData?.length ?? 0) + (t.int32Data?.length ?? 0)) +
    8 * ((t.int64Data?.length ?? 0) + (t.doubleData?.length ?? 0) + (t.uint64Data?.length ?? 0)) +
    (t.stringData ?? []).reduce((sum, s) => sum + s.byteLength, 0);
  let total = (graph.initializer ?? []).reduce((sum, t) => sum + tensorBytes(t), 0);
  for (const node of graph.node ?? []) {
    for (const a of node.attribute ?? []) {
      if (a.t) total += tensorBytes(a.t);
      for (const t of a.tensors ?? []) total += tensorBytes(t);
      if (a.g) total += payloadBytes(a.g);
      for (const g of a.graphs ?? []) total += payloadBytes(g);
    }
  }
  return total;
}

/**
 * Encodes the edited model, refusing (before trying) one whose weights alone pass the 2 GiB
 * protobuf limit, and after encoding one that came out over it.
 */
export function encodeEdited(model: ModelProto, out: string): Uint8Array {
  const gib = (n: number) => (n / 1024 ** 3).toFixed(2);
  const payload = payloadBytes(model.graph ?? {});
  if (payload > PROTOBUF_LIMIT) throw new NeurolensError('model', editMessages.tooLarge(out, gib(payload)));
  let bytes: Uint8Array;
  try {
    bytes = encodeModel(model);
  } catch (error) {
    if (error instanceof RangeError) throw new NeurolensError('model', editMessages.tooLarge(out, `> ${gib(payload)}`), { cause: error });
    throw error;
  }
  if (bytes.byteLength > PROTOBUF_LIMIT) throw new NeurolensError('model', editMessages.tooLarge(out, gib(bytes.byteLength)));
  return bytes;
}
