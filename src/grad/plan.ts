/**
 * Which part of a graph a gradient differentiates: the nodes on a path from a wrt tensor to a
 * target. Only those nodes need a backward rule; everything else (shape arithmetic, branches that
 * do not reach the target, the part before the wrt tensors) is left alone.
 */
import { NeurolensError } from '../errors.js';
import { gradMessages } from '../messages/grad.js';
import { hasTensor, indexGraph, nodeInputs, SHAPE_ONLY_OPS, type GraphIndex } from '../onnx/graph.js';
import { unknownTensor } from '../onnx/instrument.js';
import type { ModelProto } from '../onnx/types.js';
import type { GradientSpec } from './types.js';

export interface GradientPlan {
  index: GraphIndex;
  /** Indices (into index.nodes) of the nodes on a wrt → target path, in graph order. */
  nodes: number[];
  /** Float tensors that depend on a wrt tensor (wrt tensors included). */
  active: Set<string>;
  /** Tensors whose dims and types the backward pass needs. */
  tensors: string[];
}

/** Element type names a gradient flows through. */
export const FLOAT_TYPES: ReadonlySet<string> = new Set(['float32', 'float64']);

/**
 * The nodes between `spec.wrt` and `spec.targets`. `types` (tensor → onnxruntime element type, as
 * probed) prunes integer and boolean tensors; without it every non-shape tensor counts as float,
 * which is what the first pass (choosing what to probe) needs.
 */
export function planGradient(model: ModelProto, spec: GradientSpec, types?: ReadonlyMap<string, string>): GradientPlan {
  const graph = model.graph!;
  const index = indexGraph(graph);
  if (spec.targets.length === 0) throw new NeurolensError('usage', gradMessages.noTargets());
  if (spec.wrt.length === 0) throw new NeurolensError('usage', gradMessages.noWrt());
  for (const t of spec.targets) if (!hasTensor(index, t.tensor)) throw unknownTensor(index, t.tensor, 'gradient target');
  for (const w of spec.wrt) if (!hasTensor(index, w)) throw unknownTensor(index, w, 'gradient');
  const isFloat = (name: string) => !types || FLOAT_TYPES.has(types.get(name) ?? 'float32');

  // Forward: float tensors reachable from a wrt tensor.
  const active = new Set(spec.wrt.filter(isFloat));
  index.nodes.forEach((node) => {
    if (SHAPE_ONLY_OPS.has(node.opType ?? '')) return;
    if (!nodeInputs(node).some((name) => active.has(name))) return;
    for (const out of node.output ?? []) if (out !== '' && isFloat(out)) active.add(out);
  });
  // Backward: tensors the targets depend on.
  const needed = new Set(spec.targets.map((t) => t.tensor));
  const nodes: number[] = [];
  for (let i = index.nodes.length - 1; i >= 0; i--) {
    const node = index.nodes[i]!;
    if (!(node.output ?? []).some((out) => needed.has(out) && active.has(out))) continue;
    nodes.push(i);
    for (const name of node.input ?? []) if (active.has(name)) needed.add(name);
  }
  nodes.reverse();
  const tensors = new Set<string>([...spec.wrt, ...spec.targets.map((t) => t.tensor)]);
  for (const i of nodes) {
    const node = index.nodes[i]!;
    for (const name of [...(node.input ?? []), ...(node.output ?? [])]) if (name !== '') tensors.add(name);
  }
  return { index, nodes, active, tensors: [...tensors] };
}
