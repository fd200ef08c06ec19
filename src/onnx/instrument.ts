/**
 * Instrumenting a model for reading and editing activations:
 *  - a tap makes an internal tensor a graph output;
 *  - an intervention at tensor T renames T's producer output to `T__raw` and inserts
 *    `T = Add(Mul(T__raw, mask), patch)`, so every consumer of T (and a tap or graph output of T)
 *    sees T' = T ⊙ mask + patch. mask and patch are new float graph inputs of unknown rank that
 *    broadcast against T: per channel [N|1, C, 1, 1] for feature maps, [N|1, 1, D] for tokens,
 *    [N|1, D] for vectors, or full size. Feeding mask 1 and patch 0 (shape [1]) leaves T unchanged.
 *
 * They are plain inputs, not initializers, because onnxruntime-node silently ignores feeds for
 * overridable initializers; so a session must feed every mask and patch on every run (the runtime's
 * InstrumentedModel does, with [1]-shaped identity values). Only what is asked is tapped: extra
 * graph outputs keep onnxruntime from fusing the nodes around them.
 *
 * Inserted names are derived from the tensor names (deterministic for the same model and spec,
 * whatever the order of the spec) and made unique against every name already in the graph.
 */
import { NeurolensError } from '../errors.js';
import { onnxMessages } from '../messages/index.js';
import { makeValueInfo } from './builder.js';
import { closestNames, elemTypeOf, hasTensor, indexGraph, opsetOf, tensorNames, uniqueName, usedNames, type GraphIndex } from './graph.js';
import { reductionNodes, type ReductionSpec } from './reduce-taps.js';
import type { GraphAdditions } from './codec.js';
import { DATA_TYPE, dataTypeName, int64ToNumber, type ModelProto, type NodeProto, type ValueInfoProto } from './types.js';

export interface InstrumentSpec {
  /** Tensors to read out: each becomes a graph output (one that already is a graph output is reused). */
  taps?: string[];
  /**
   * Tensors to edit: each T gets a mask and a patch input and every consumer sees T ⊙ mask + patch.
   * Must be computed by a node (not a graph input or a weight) and hold float32 values.
   */
  interventions?: string[];
  /**
   * Tensors read out already pooled over their positions, inside the graph (see reduce-taps.ts):
   * each becomes a float32 [N, neurons] graph output. The tensor itself is not tapped unless it is
   * also in `taps`. Must hold float32 values.
   */
  reductions?: ReductionSpec[];
}

export interface InterventionInputs {
  /** Name of the graph input multiplied into the tensor (feed ones for "no change"). */
  mask: string;
  /** Name of the graph input added after the mask (feed zeros for "no change"). */
  patch: string;
}

export interface InstrumentedGraph {
  /** The rewritten model; the input model is not modified (weights are shared, not copied). */
  model: ModelProto;
  /** Tapped tensor name → name of the graph output that carries it. */
  taps: Record<string, string>;
  /** Intervened tensor name → names of its mask and patch graph inputs. */
  interventions: Record<string, InterventionInputs>;
  /** reductionKey(tensor, reduction) → name of the graph output that carries it. */
  reductions: Record<string, string>;
  /**
   * What the rewrite adds to the graph, when it only adds (no interventions): with it the original
   * bytes can be extended (appendToGraph in codec.ts) instead of encoding `model` anew.
   */
  additions?: GraphAdditions;
}

export function instrumentModel(model: ModelProto, spec: InstrumentSpec): InstrumentedGraph {
  const graph = model.graph;
  if (!graph) throw new NeurolensError('model', onnxMessages.noGraph());
  const index = indexGraph(graph);
  const tapList = checkNames(index, spec.taps ?? [], 'tap');
  const interventionList = checkNames(index, spec.interventions ?? [], 'intervention');
  const reductionList = spec.reductions ?? [];
  checkNames(index, reductionList.map((r) => r.tensor), 'reduction');
  for (const tensor of interventionList) checkIntervenable(index, tensor);
  if (interventionList.length > 0) checkOpset(model);

  const used = usedNames(graph);
  const nodeNames = new Set(index.nodes.map((n) => n.name ?? '').filter((n) => n !== ''));
  const nodes = [...index.nodes];
  const copied = new Set<number>();
  const insertedAfter = new Map<number, NodeProto[]>();
  const leading: NodeProto[] = [];
  const newInputs: ValueInfoProto[] = [];
  const newOutputs: ValueInfoProto[] = [];
  let valueInfo = [...(graph.valueInfo ?? [])];
  const interventions: Record<string, InterventionInputs> = {};
  const taps: Record<string, string> = {};

  for (const tensor of byGraphPosition(index, interventionList)) {
    const at = index.producers.get(tensor)!;
    if (!copied.has(at)) {
      nodes[at] = { ...nodes[at]!, output: [...(nodes[at]!.output ?? [])] };
      copied.add(at);
    }
    const producer = nodes[at]!;
    const raw = uniqueName(`${tensor}__raw`, used);
    const masked = uniqueName(`${tensor}__masked`, used);
    const base = sanitize(tensor);
    const mask = uniqueName(`mask__${base}`, used);
    const patch = uniqueName(`patch__${base}`, used);
    producer.output = producer.output!.map((name) => (name === tensor ? raw : name));
    const inserted = insertedAfter.get(at) ?? [];
    inserted.push(
      { name: uniqueName(`neurolens/intervene/${tensor}/Mul`, nodeNames), opType: 'Mul', input: [raw, mask], output: [masked] },
      { name: uniqueName(`neurolens/intervene/${tensor}/Add`, nodeNames), opType: 'Add', input: [masked, patch], output: [tensor] },
    );
    insertedAfter.set(at, inserted);
    // The declared shape belongs to the raw tensor; T' may differ (a batch of masks can widen it).
    valueInfo = valueInfo.map((v) => (v.name === tensor ? { ...v, name: raw } : v));
    newInputs.push(floatInput(mask), floatInput(patch));
    interventions[tensor] = { mask, patch };
  }

  for (const tensor of byGraphPosition(index, tapList)) {
    if (index.outputs.has(tensor)) {
      taps[tensor] = tensor;
    } else if (index.producers.has(tensor)) {
      newOutputs.push({ name: tensor });
      taps[tensor] = tensor;
    } else {
      // Graph inputs and weights are read out through an Identity so the output is a node output.
      const output = uniqueName(`${tensor}__tap`, used);
      leading.push({ name: uniqueName(`neurolens/tap/${tensor}/Identity`, nodeNames), opType: 'Identity', input: [tensor], output: [output] });
      newOutputs.push({ name: output });
      taps[tensor] = output;
    }
  }

  // After the interventions: a reduction of an edited tensor pools the edited values, as a tap does.
  const reduced = reductionNodes(reductionList, opsetOf(model), used, nodeNames);
  const node: NodeProto[] = [...leading];
  nodes.forEach((n, i) => node.push(n, ...(insertedAfter.get(i) ?? [])));
  node.push(...reduced.nodes);
  const rewritten = {
    ...graph,
    node,
    input: [...(graph.input ?? []), ...newInputs],
    output: [...(graph.output ?? []), ...newOutputs, ...reduced.outputs],
    initializer: reduced.initializers.length > 0 ? [...(graph.initializer ?? []), ...reduced.initializers] : graph.initializer,
    valueInfo,
  };
  const additions: GraphAdditions | undefined =
    interventionList.length === 0 ? { node: [...leading, ...reduced.nodes], output: [...newOutputs, ...reduced.outputs], initializer: reduced.initializers } : undefined;
  return { model: { ...model, graph: rewritten }, taps, interventions, reductions: reduced.names, ...(additions ? { additions } : {}) };
}

/** Deduplicated names, each checked to be a tensor of the main graph. */
function checkNames(index: GraphIndex, names: readonly string[], role: string): string[] {
  const unique = [...new Set(names)];
  for (const name of unique) {
    if (!hasTensor(index, name)) throw unknownTensor(index, name, role);
  }
  return unique;
}

export function unknownTensor(index: GraphIndex, name: string, role: string): NeurolensError {
  const [suggestion] = closestNames(name, tensorNames(index));
  return new NeurolensError('model', onnxMessages.unknownTensor(name, role, suggestion));
}

function checkIntervenable(index: GraphIndex, tensor: string): void {
  if (index.inputs.has(tensor)) throw new NeurolensError('model', onnxMessages.interveneOnInput(tensor));
  if (index.initializers.has(tensor)) throw new NeurolensError('model', onnxMessages.interveneOnInitializer(tensor));
  const type = elemTypeOf(index, tensor);
  if (type !== undefined && type !== DATA_TYPE.float32) {
    throw new NeurolensError('model', onnxMessages.interveneNotFloat(tensor, dataTypeName(type)));
  }
}

function checkOpset(model: ModelProto): void {
  const entry = (model.opsetImport ?? []).find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  const version = entry ? int64ToNumber(entry.version) : undefined;
  if (version !== undefined && version < 7) throw new NeurolensError('model', onnxMessages.opsetTooOld(version));
}

/** Names ordered by where they appear in the graph, so the rewrite is independent of spec order. */
function byGraphPosition(index: GraphIndex, names: readonly string[]): string[] {
  const order = new Map(tensorNames(index).map((name, i) => [name, i]));
  return [...names].sort((a, b) => order.get(a)! - order.get(b)!);
}

/** A readable input-name fragment from a tensor name: '/layer1/Relu_output_0' → 'layer1_Relu_output_0'. */
function sanitize(tensor: string): string {
  const cleaned = tensor.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+|_+$/g, '');
  return cleaned === '' ? 'tensor' : cleaned;
}

/** Float input of unknown rank: masks and patches may be [1], per channel, per sample or full size. */
function floatInput(name: string): ValueInfoProto {
  return makeValueInfo(name, 'float32');
}
