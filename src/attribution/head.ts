/**
 * Finding a CAM-able classifier head: the model's first output computed as
 *
 *   logits = Linear(Flatten/Reshape/Squeeze*(GlobalAveragePool(A)))      [optionally → Softmax]
 *
 * where Linear is Gemm (transA = 0; B and C constant) or MatMul(x, W) (+ Add of a constant bias),
 * and the pool is GlobalAveragePool or ReduceMean over the two spatial axes of an [N,C,H,W] map.
 * Then logit_k = Σ_c w[k,c]·mean(A_c) + b_k, and the class activation map of class k is
 * Σ_c w[k,c]·A_c (Zhou et al., 2016) — its spatial mean plus b_k is the logit.
 *
 * The weights are read from initializers (or Constant nodes) and returned class-major: w[k·C + c].
 */
import { indexGraph, type GraphIndex } from '../onnx/graph.js';
import { tensorDims, tensorFloat32, tensorValues } from '../onnx/tensor.js';
import { int64ToNumber, type ModelProto, type NodeProto, type TensorProto } from '../onnx/types.js';

export interface GapHead {
  /** The [N,C,H,W] tensor that is pooled (the input of the pool). */
  feature: string;
  /** Classifier weights, class-major: weights[k·channels + c] (Gemm alpha folded in). */
  weights: Float32Array;
  classes: number;
  channels: number;
}

/** The GAP → linear head of `model` feeding `output`, or the reason there is none (a phrase). */
export function findGapHead(model: ModelProto, output: string): GapHead | string {
  const index = indexGraph(model.graph!);
  let node = producer(index, output);
  if (node?.opType === 'Softmax') node = producer(index, node.input![0]!);
  if (!node) return `has no node computing its output ${JSON.stringify(output)}`;
  const linear = readLinear(index, node);
  if (typeof linear === 'string') return linear;
  let x = producer(index, linear.input);
  while (x && ['Flatten', 'Reshape', 'Squeeze', 'Identity'].includes(x.opType ?? '')) x = producer(index, x.input![0]!);
  if (!x) return 'reads its classifier input straight from a graph input';
  if (x.opType === 'GlobalAveragePool' || (x.opType === 'ReduceMean' && reducesSpatial(index, x))) {
    const feature = x.input![0]!;
    return { feature, weights: linear.weights, classes: linear.classes, channels: linear.channels };
  }
  return `feeds its classifier from a ${x.opType} node, not a global average pool`;
}

function producer(index: GraphIndex, name: string): NodeProto | undefined {
  const at = index.producers.get(name);
  return at === undefined ? undefined : index.nodes[at];
}

/** An initializer or a Constant node's value. */
export function constant(index: GraphIndex, name: string): TensorProto | undefined {
  const init = index.initializers.get(name);
  if (init) return init;
  const node = producer(index, name);
  if (node?.opType !== 'Constant') return undefined;
  return node.attribute?.find((a) => a.name === 'value')?.t;
}

/** A numeric attribute of `node` (float or int), `fallback` when absent. */
export function attr(node: NodeProto, name: string, fallback: number): number {
  const a = node.attribute?.find((x) => x.name === name);
  if (!a) return fallback;
  return a.f ?? (a.i === undefined ? fallback : int64ToNumber(a.i));
}

interface Linear {
  input: string;
  weights: Float32Array;
  classes: number;
  channels: number;
}

function readLinear(index: GraphIndex, node: NodeProto): Linear | string {
  let matmul = node;
  if (node.opType === 'Add') {
    const [a, b] = node.input ?? [];
    const viaA = producer(index, a!);
    matmul = viaA?.opType === 'MatMul' && constant(index, b!) ? viaA : producer(index, b!)!;
    if (matmul?.opType !== 'MatMul') return 'ends in an Add that is not a linear layer';
  }
  if (matmul.opType === 'MatMul') {
    const w = constant(index, matmul.input![1]!);
    const dims = w ? tensorDims(w) : [];
    if (!w || dims.length !== 2) return 'ends in a MatMul whose weight is not a constant [C, K] matrix';
    const [c, k] = dims as [number, number];
    return { input: matmul.input![0]!, weights: transpose(tensorFloat32(w), c, k), classes: k, channels: c };
  }
  if (node.opType === 'Gemm') {
    const b = constant(index, node.input![1]!);
    const dims = b ? tensorDims(b) : [];
    if (!b || dims.length !== 2 || attr(node, 'transA', 0) !== 0) return 'ends in a Gemm whose weight is not a constant matrix';
    const alpha = attr(node, 'alpha', 1);
    const values = tensorFloat32(b);
    const transB = attr(node, 'transB', 0) !== 0;
    const [classes, channels] = transB ? (dims as [number, number]) : [dims[1]!, dims[0]!];
    const weights = transB ? values : transpose(values, dims[0]!, dims[1]!);
    if (alpha !== 1) for (let i = 0; i < weights.length; i++) weights[i]! *= alpha;
    return { input: node.input![0]!, weights, classes, channels };
  }
  return `ends in a ${node.opType} node, not a linear layer (Gemm or MatMul)`;
}

/** [rows, cols] → [cols, rows]. */
function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
}

/** Whether a ReduceMean averages exactly over axes 2 and 3 of a 4-D input (attribute or input axes). */
function reducesSpatial(index: GraphIndex, node: NodeProto): boolean {
  let axes: number[] | undefined = node.attribute?.find((a) => a.name === 'axes')?.ints?.map(int64ToNumber);
  if (!axes && node.input?.[1]) {
    const t = constant(index, node.input[1]);
    axes = t ? tensorValues(t) : undefined;
  }
  if (!axes) return false;
  const normal = axes.map((a) => (a < 0 ? a + 4 : a)).sort();
  return normal.length === 2 && normal[0] === 2 && normal[1] === 3;
}
