/**
 * A model's large float weights swapped for ConstantOfShape nodes of the same dims and type, for
 * probing shapes: shape inference and a dummy run need every weight's dims, never its values (a
 * float weight does not decide a shape in any exported vision model; the small float tensors that
 * can, such as Resize scales, stay). The probe then encodes and loads kilobytes instead of the
 * whole model — for ViT-B/16 about 2 GB less at peak — and a weight materialises as zeros only
 * while the dummy run needs it.
 */
import { makeAttribute } from '../onnx/builder.js';
import { opsetOf } from '../onnx/graph.js';
import { makeTensor, tensorDims } from '../onnx/tensor.js';
import { DATA_TYPE, type ModelProto, type NodeProto, type TensorProto } from '../onnx/types.js';

/** Weights smaller than this many elements stay as they are. */
const MIN_ELEMENTS = 4096;

const FLOAT_BYTES: Readonly<Record<number, number>> = {
  [DATA_TYPE.float32]: 4,
  [DATA_TYPE.float16]: 2,
  [DATA_TYPE.float64]: 8,
  16: 2, // bfloat16
};

/** `model` with its large float initializers generated as zeros (see the module comment); not modified. */
export function weightlessModel(model: ModelProto): ModelProto {
  const graph = model.graph;
  // ConstantOfShape exists from opset 9.
  if (!graph || opsetOf(model) < 9) return model;
  // An initializer listed as a graph input may be fed a different value: keep it.
  const inputs = new Set((graph.input ?? []).map((v) => v.name ?? ''));
  const kept: TensorProto[] = [];
  const generated: NodeProto[] = [];
  for (const t of graph.initializer ?? []) {
    const bytes = FLOAT_BYTES[t.dataType ?? 0];
    const dims = tensorDims(t);
    const count = dims.reduce((a, b) => a * b, 1);
    if (bytes === undefined || count < MIN_ELEMENTS || inputs.has(t.name ?? '')) {
      kept.push(t);
      continue;
    }
    const shape = makeTensor(`neurolens/probe/shape/${t.name}`, BigInt64Array.from(dims.map(BigInt)), [dims.length]);
    kept.push(shape);
    const value: TensorProto = { dims: [1], dataType: t.dataType, rawData: new Uint8Array(bytes) };
    generated.push({ name: `neurolens/probe/${t.name}`, opType: 'ConstantOfShape', input: [shape.name!], output: [t.name!], attribute: [makeAttribute('value', value)] });
  }
  if (generated.length === 0) return model;
  return { ...model, graph: { ...graph, initializer: kept, node: [...generated, ...(graph.node ?? [])] } };
}
