/** Dims and element types of the tensors a gradient graph needs, from the model and onnxruntime. */
import { probeShapes } from '../runtime/probe.js';
import { dataTypeName, type ModelProto } from '../onnx/types.js';
import { tensorDims } from '../onnx/tensor.js';
import type { TensorFacts } from './autodiff.js';
import type { Dims } from './types.js';

/**
 * Facts for `tensors`: initializers from their protos, graph inputs and node outputs from a probe
 * (onnxruntime's shape inference, or one dummy batch; the batch dim stays symbolic).
 */
export async function tensorFacts(model: ModelProto, tensors: readonly string[], inputSize?: [number, number]): Promise<TensorFacts> {
  const dims = new Map<string, Dims>();
  const types = new Map<string, string>();
  const graph = model.graph!;
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t] as const));
  const rest: string[] = [];
  for (const name of tensors) {
    const init = initializers.get(name);
    if (init) {
      dims.set(name, tensorDims(init));
      types.set(name, dataTypeName(init.dataType ?? 0));
    } else rest.push(name);
  }
  const probe = await probeShapes(model, rest, inputSize ? { inputSize } : {});
  for (const t of [...probe.inputs, ...probe.outputs, ...probe.tensors.values()]) {
    if (!rest.includes(t.name)) continue;
    dims.set(t.name, t.dims);
    types.set(t.name, t.elemType);
  }
  return { dims, types };
}
