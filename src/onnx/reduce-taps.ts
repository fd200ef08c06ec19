/**
 * Reduced taps: a tensor read out already pooled over its positions, computed inside the graph, so
 * the session returns [N, neurons] instead of the whole map. For a ResNet-18 that is 3 MB of
 * activations per image that onnxruntime no longer copies out and JavaScript no longer walks.
 *
 * The values must equal the recorder's JavaScript pooling (src/record/pool.ts):
 *  - `max` is exact in any order, so it is a float32 ReduceMax;
 *  - `mean` there is a float64 sum divided by the count and rounded once, so here the tensor is cast
 *    to double before ReduceMean and the result cast back. A float32 ReduceMean would be faster but
 *    differs from the float64 mean by up to ~2e-6 of the layer's scale on 56×56 maps; the double
 *    sum differs only in its last bits (summation order), which the rounding to float32 hides.
 */
import { makeTensor } from './tensor.js';
import { uniqueName } from './graph.js';
import type { NodeProto, TensorProto, ValueInfoProto } from './types.js';
import { DATA_TYPE } from './types.js';
import { makeAttribute } from './builder.js';

export type Reduction = 'mean' | 'max';

export interface ReductionSpec {
  /** The tensor to reduce (must be float32). */
  tensor: string;
  reduction: Reduction;
  /** Axes reduced (the positions: [2, 3] for NCHW maps, [1, 2] for NHWC, [1] for tokens). */
  axes: number[];
}

/** What the graph rewrite adds for a set of reductions. */
export interface ReductionNodes {
  nodes: NodeProto[];
  outputs: ValueInfoProto[];
  initializers: TensorProto[];
  /** reductionKey(tensor, reduction) → the graph output carrying it. */
  names: Record<string, string>;
}

/** The key under which a reduction's output is found (tensor names may contain anything but NUL). */
export function reductionKey(tensor: string, reduction: Reduction): string {
  return `${tensor}\u0000${reduction}`;
}

/**
 * Nodes computing every reduction of `specs`, with names unique against `used` (tensors) and
 * `nodeNames`, both updated. Opset 18 moved ReduceMean/ReduceMax's axes from an attribute to an
 * input, so `opset` picks the form.
 */
export function reductionNodes(specs: readonly ReductionSpec[], opset: number, used: Set<string>, nodeNames: Set<string>): ReductionNodes {
  const result: ReductionNodes = { nodes: [], outputs: [], initializers: [], names: {} };
  const doubles = new Map<string, string>();
  for (const { tensor, reduction, axes } of specs) {
    const key = reductionKey(tensor, reduction);
    if (key in result.names) continue;
    const node = (op: string, input: string[], output: string, attrs: NodeProto['attribute'] = []): void => {
      result.nodes.push({ name: uniqueName(`neurolens/reduce/${tensor}/${reduction}/${op}`, nodeNames), opType: op, input, output: [output], attribute: attrs });
    };
    let source = tensor;
    if (reduction === 'mean') {
      source = doubles.get(tensor) ?? '';
      if (source === '') {
        source = uniqueName(`${tensor}__double`, used);
        node('Cast', [tensor], source, [makeAttribute('to', DATA_TYPE.float64)]);
        doubles.set(tensor, source);
      }
    }
    const reduced = uniqueName(`${tensor}__${reduction}${reduction === 'mean' ? '_double' : ''}`, used);
    const op = reduction === 'mean' ? 'ReduceMean' : 'ReduceMax';
    const keep = makeAttribute('keepdims', 0);
    if (opset >= 18) {
      const axesName = uniqueName(`${tensor}__axes`, used);
      result.initializers.push(makeTensor(axesName, BigInt64Array.from(axes.map(BigInt)), [axes.length]));
      node(op, [source, axesName], reduced, [keep]);
    } else {
      node(op, [source], reduced, [makeAttribute('axes', axes), keep]);
    }
    let output = reduced;
    if (reduction === 'mean') {
      output = uniqueName(`${tensor}__mean`, used);
      node('Cast', [reduced], output, [makeAttribute('to', DATA_TYPE.float32)]);
    }
    result.outputs.push({ name: output });
    result.names[key] = output;
  }
  return result;
}
