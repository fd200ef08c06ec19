/**
 * Cutting a model: the sub-graph that computes the `to` tensors from the `from` tensors, as a model
 * of its own (the `from` tensors become its inputs, the `to` tensors its outputs). Circuit analysis
 * uses it to re-run the rest of a network from an edited activation. The walk goes back from each
 * `to` tensor and stops at `from` tensors; weights and Constant nodes it meets come along. Reaching
 * a real graph input means the cut is incomplete — a frequent case is a Shape op on the image input
 * (torch exports `cls_token.expand(B, …)` that way), which is reported as such. The result is an
 * ordinary model: pass it to instrumentModel to tap or intervene inside the cut.
 */
import { NeurolensError } from '../errors.js';
import { onnxMessages } from '../messages/index.js';
import { makeValueInfo } from './builder.js';
import { elemTypeOf, hasTensor, SHAPE_ONLY_OPS, indexGraph, nodeInputs, shapeOf, valueInfoOf, type GraphIndex } from './graph.js';
import { unknownTensor } from './instrument.js';
import { DATA_TYPE, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './types.js';

export interface CutSpec {
  /**
   * Tensors the cut starts from; they become its inputs, in this order (also those no `to` tensor
   * turns out to need, so the cut's inputs are exactly what was asked). Graph inputs are allowed.
   */
  from: string[];
  /** Tensors the cut computes; they become its outputs, in this order. */
  to: string[];
  /**
   * Shapes to declare for `from` inputs (e.g. from the model's tapped tensors). Dim 0 is the batch
   * dim and is always declared symbolic ('batch'). Without a shape here, the model's value_info is
   * used if it has one, else the input is declared with unknown rank.
   */
  fromShapes?: Record<string, (number | string)[]>;
}

export function cutModel(model: ModelProto, spec: CutSpec): ModelProto {
  const graph = model.graph;
  if (!graph) throw new NeurolensError('model', onnxMessages.noGraph());
  const index = indexGraph(graph);
  const from = [...new Set(spec.from)];
  const to = [...new Set(spec.to)];
  if (to.length === 0) throw new NeurolensError('usage', onnxMessages.cutEmpty());
  for (const name of from) {
    if (!hasTensor(index, name)) throw unknownTensor(index, name, 'cut input');
    if (index.initializers.has(name)) throw new NeurolensError('model', onnxMessages.cutFromInitializer(name));
  }
  const fromSet = new Set(from);
  for (const name of to) {
    if (!hasTensor(index, name)) throw unknownTensor(index, name, 'cut output');
    if (fromSet.has(name)) throw new NeurolensError('usage', onnxMessages.cutToIsFrom(name));
  }

  const keep = new Set<number>();
  const weights = new Set<string>();
  // Missing graph input → the `to` tensors that need it and the kept nodes that read it.
  const missing = new Map<string, { targets: string[]; readers: Set<number> }>();
  for (const target of to) {
    for (const [tensor, readers] of walkBack(index, target, fromSet, keep, weights)) {
      const entry = missing.get(tensor) ?? { targets: [], readers: new Set<number>() };
      entry.targets.push(target);
      for (const r of readers) entry.readers.add(r);
      missing.set(tensor, entry);
    }
  }
  if (missing.size > 0) throw missingError(index, from, missing);

  const nodes = index.nodes.filter((_, i) => keep.has(i));
  const initializer: TensorProto[] = (graph.initializer ?? []).filter((t) => weights.has(t.name ?? ''));
  // IR < 4 models list weights among the graph inputs too; keep that form for them.
  const weightInputs = (graph.input ?? []).filter((v) => weights.has(v.name ?? ''));
  const inside = new Set(nodes.flatMap((n) => n.output ?? []));
  const boundary = new Set([...from, ...to]);
  return {
    ...model,
    graph: {
      ...graph,
      name: `${graph.name ?? 'graph'}_cut`,
      node: nodes,
      initializer,
      sparseInitializer: [],
      input: [...from.map((name) => cutInput(index, name, spec.fromShapes?.[name])), ...weightInputs],
      output: to.map((name) => cutOutput(index, name)),
      valueInfo: (graph.valueInfo ?? []).filter((v) => inside.has(v.name ?? '') && !boundary.has(v.name ?? '')),
    },
  };
}

/**
 * Marks the nodes and weights `target` depends on (stopping at `from`); returns the real graph
 * inputs it reached, each with the kept nodes that read it.
 */
function walkBack(index: GraphIndex, target: string, from: Set<string>, keep: Set<number>, weights: Set<string>): Map<string, Set<number>> {
  const reached = new Map<string, Set<number>>();
  const visited = new Set<string>();
  const stack: { tensor: string; reader: number }[] = [{ tensor: target, reader: -1 }];
  while (stack.length > 0) {
    const { tensor, reader } = stack.pop()!;
    if (from.has(tensor)) continue;
    if (index.inputs.has(tensor)) {
      const readers = reached.get(tensor) ?? new Set<number>();
      if (reader >= 0) readers.add(reader);
      reached.set(tensor, readers);
      continue;
    }
    if (visited.has(tensor)) continue;
    visited.add(tensor);
    if (index.initializers.has(tensor)) {
      weights.add(tensor);
      continue;
    }
    const at = index.producers.get(tensor);
    // Unproduced names can only be outer-scope or optional; onnxruntime reports them if they matter.
    if (at === undefined) continue;
    keep.add(at);
    for (const input of nodeInputs(index.nodes[at]!)) stack.push({ tensor: input, reader: at });
  }
  return reached;
}

function missingError(index: GraphIndex, from: string[], missing: Map<string, { targets: string[]; readers: Set<number> }>): NeurolensError {
  // Report the first missing tensor in graph-input order; one fix at a time keeps the line short.
  const [tensor, { targets, readers }] = [...missing].sort(([a], [b]) => inputRank(index, a) - inputRank(index, b))[0]!;
  const readerNodes: NodeProto[] = [...readers].sort((a, b) => a - b).map((i) => index.nodes[i]!);
  const shown = readerNodes.slice(0, 3).map((n) => `${n.opType} node ${JSON.stringify(n.name || n.output?.[0] || '?')}`);
  if (readerNodes.length > 3) shown.push(`${readerNodes.length - 3} more`);
  const readerText = shown.join(', ') || 'the cut';
  const fromText = from.length === 0 ? '(no inputs)' : from.map((f) => JSON.stringify(f)).join(' + ');
  const toText = targets.map((t) => JSON.stringify(t)).join(' + ');
  const shapeOnly = readerNodes.length > 0 && readerNodes.every((n) => SHAPE_ONLY_OPS.has(n.opType ?? ''));
  const message = shapeOnly
    ? onnxMessages.cutNeedsShapeOnly(fromText, toText, tensor, readerText)
    : onnxMessages.cutNeedsTensor(fromText, toText, tensor, readerText);
  return new NeurolensError('model', message);
}

function inputRank(index: GraphIndex, name: string): number {
  return [...index.inputs].indexOf(name);
}

function cutInput(index: GraphIndex, name: string, given: (number | string)[] | undefined): ValueInfoProto {
  const type = elemTypeOf(index, name) ?? DATA_TYPE.float32;
  const dims = given ?? shapeOf(index.graph, name);
  return makeValueInfo(name, type, dims?.map((d, i) => (i === 0 ? 'batch' : d)));
}

function cutOutput(index: GraphIndex, name: string): ValueInfoProto {
  const declared = valueInfoOf(index.graph, name);
  return declared ? { ...declared } : { name };
}
