/**
 * Domain propagation: what kind of value every tensor of the graph holds, decided from the ops
 * alone (before any shape is known), in one pass over the topologically sorted nodes.
 *
 *  - static     weights, Constants, shapes (Shape/Size read only dims) and anything computed from
 *               those alone, e.g. a class token expanded to the batch size. Never a layer.
 *  - pixels     the image input and what is computed from it before the first Conv (normalisation).
 *  - spatial    feature maps of the convolutional part: a Conv output and everything computed from
 *               one by compute ops (BN, activations, residual adds, pools, SE gating) or carried by
 *               spatial-preserving layout ops (Concat, Pad, Resize, Slice…). Reshape, Flatten,
 *               Transpose, Squeeze, Unsqueeze and Gather leave it.
 *  - neuron     tokens and vectors: outputs of linear layers (MatMul/Gemm with a weight) and of compute
 *               ops on non-spatial values (LayerNorm, GELU, residual adds of token streams, logits).
 *  - attention  products of two computed tensors (q·kᵀ, attn·v) and compute ops on them alone
 *               (scaling, Softmax): [N,heads,T,T] / [N,heads,T,dh]. Never a layer; a linear layer
 *               (the output projection) or a residual add with the token stream leaves it.
 *
 * `layout` marks outputs of ops that only move values (LAYOUT_OPS); they carry their input's
 * domain (spatial ones leave it, see SPATIAL_LAYOUT_OPS) but are never layers themselves.
 *
 * `channelsLast` marks neuron-domain tensors that are feature maps laid out [N,H,W,C] (Swin stages,
 * ConvNeXt block internals, Keras/TF exports): a Transpose with perm [0,2,3,1] of a feature map,
 * then whatever computes from one without regrouping its positions — elementwise ops, norms over
 * the last axis, linear layers (a weight on the last axis), residual adds, and Slice/Concat/Pad
 * (a roll, a patch merge). Reshape and other Transposes end it.
 */
import { indexGraph, nodeInputs, topologicalOrder, type GraphIndex } from '../graph.js';
import type { GraphProto, NodeProto, TensorProto } from '../types.js';
import { CONV_OPS, LAYOUT_OPS, MATMUL_OPS, SHAPE_ONLY_OPS, SPATIAL_LAYOUT_OPS } from './ops.js';

export type Domain = 'static' | 'pixels' | 'spatial' | 'neuron' | 'attention';

export interface GraphFacts {
  /** Nodes in topological order; node indices below refer to this order. */
  nodes: NodeProto[];
  index: GraphIndex;
  /** Domain of every tensor the graph defines (inputs, initializers, node outputs). */
  domain: Map<string, Domain>;
  /** Indices of nodes whose outputs only re-arrange their inputs' values. */
  layout: Set<number>;
  /** Neuron-domain tensors that are channels-last feature maps [N,H,W,C] (see above). */
  channelsLast: Set<string>;
  /** Values of static tensors known without running: initializers and Constant nodes. */
  constants: Map<string, TensorProto>;
  /** The non-static inputs of node i. */
  dynamicInputs(i: number): string[];
  isStatic(name: string): boolean;
}

export function analyseGraph(graph: GraphProto): GraphFacts {
  const initializerNames = (graph.initializer ?? []).map((t) => t.name ?? '');
  const available = [...(graph.input ?? []).map((v) => v.name ?? ''), ...initializerNames];
  const nodes = topologicalOrder(graph.node ?? [], available);
  const index = indexGraph({ ...graph, node: nodes });
  const constants = new Map(index.initializers);
  const domain = new Map<string, Domain>();
  for (const name of index.initializers.keys()) domain.set(name, 'static');
  for (const name of index.inputs) domain.set(name, 'pixels');
  const layout = new Set<number>();
  const channelsLast = new Set<string>();

  const isStatic = (name: string): boolean => (domain.get(name) ?? 'static') === 'static';
  const dynamicInputs = (i: number): string[] => nodeInputs(nodes[i]!).filter((name) => !isStatic(name));

  nodes.forEach((node, i) => {
    const op = node.opType ?? '';
    const outputs = (node.output ?? []).filter((name) => name !== '');
    if (op === 'Constant') {
      const value = constantValue(node);
      if (value && outputs[0]) constants.set(outputs[0], value);
    }
    const dynamic = dynamicInputs(i);
    let out: Domain;
    if (dynamic.length === 0 || SHAPE_ONLY_OPS.has(op)) {
      out = 'static';
    } else {
      const kinds = dynamic.map((name) => domain.get(name)!);
      const spatial = kinds.includes('spatial');
      if (CONV_OPS.has(op)) {
        out = 'spatial';
      } else if (MATMUL_OPS.has(op)) {
        // Two computed operands: attention scores or attention-weighted values. One: a linear layer.
        out = dynamic.length >= 2 ? 'attention' : 'neuron';
      } else if (LAYOUT_OPS.has(op)) {
        out = spatial && SPATIAL_LAYOUT_OPS.has(op) ? 'spatial' : combine(kinds.map((k) => (k === 'spatial' ? 'neuron' : k)));
        if (!(out === 'spatial' && op === 'Concat')) layout.add(i);
      } else {
        out = spatial ? 'spatial' : combine(kinds);
      }
    }
    for (const name of outputs) domain.set(name, out);
    if (out === 'neuron' && keepsChannelsLast(node, dynamic, domain, channelsLast)) for (const name of outputs) channelsLast.add(name);
  });
  return { nodes, index, domain, layout, channelsLast, constants, dynamicInputs, isStatic };
}

/** Whether a node's (neuron-domain) outputs are channels-last feature maps, from its computed inputs. */
function keepsChannelsLast(node: NodeProto, dynamic: readonly string[], domain: ReadonlyMap<string, Domain>, channelsLast: ReadonlySet<string>): boolean {
  const op = node.opType ?? '';
  if (op === 'Transpose') {
    const perm = (node.attribute ?? []).find((a) => a.name === 'perm')?.ints?.map(Number) ?? [];
    return perm.join(',') === '0,2,3,1' && domain.get(dynamic[0] ?? '') === 'spatial';
  }
  if (LAYOUT_OPS.has(op)) return SPATIAL_LAYOUT_OPS.has(op) && dynamic.length > 0 && dynamic.every((name) => channelsLast.has(name));
  if (MATMUL_OPS.has(op)) return dynamic.length === 1 && node.input?.[0] === dynamic[0] && channelsLast.has(dynamic[0]!);
  return dynamic.some((name) => channelsLast.has(name));
}

/** Domain of a compute op's output from its computed inputs' domains (spatial handled by the caller). */
function combine(kinds: Domain[]): Domain {
  if (kinds.every((k) => k === 'attention')) return 'attention';
  if (kinds.every((k) => k === 'pixels')) return 'pixels';
  return 'neuron';
}

function constantValue(node: NodeProto): TensorProto | undefined {
  for (const attribute of node.attribute ?? []) {
    if (attribute.name === 'value' && attribute.t) return attribute.t;
    if (attribute.name === 'value_float' && attribute.f !== undefined) return { dims: [], dataType: 1, floatData: [attribute.f] };
    if (attribute.name === 'value_floats') return { dims: [attribute.floats?.length ?? 0], dataType: 1, floatData: attribute.floats ?? [] };
    if (attribute.name === 'value_int' && attribute.i !== undefined) return { dims: [], dataType: 7, int64Data: [attribute.i] };
    if (attribute.name === 'value_ints') return { dims: [attribute.ints?.length ?? 0], dataType: 7, int64Data: attribute.ints ?? [] };
  }
  return undefined;
}
