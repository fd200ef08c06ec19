/**
 * Indexing an ONNX graph for rewriting: who produces and who consumes each tensor, which names are
 * initializers or real graph inputs, declared element types and shapes, and a stable topological
 * order. Shared by instrumentation (instrument.ts) and sub-graph extraction (cut.ts).
 */
import type { GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from './types.js';
import { DATA_TYPE, int64ToNumber } from './types.js';

export interface GraphIndex {
  graph: GraphProto;
  nodes: NodeProto[];
  /** Tensor name → index (in `nodes`) of the node that produces it. */
  producers: Map<string, number>;
  /** Tensor name → indices of the nodes that read it (explicitly or from inside a sub-graph). */
  consumers: Map<string, number[]>;
  initializers: Map<string, TensorProto>;
  /** Graph inputs that are not initializers: the values a caller must feed. */
  inputs: Set<string>;
  outputs: Set<string>;
}

/**
 * Names a node reads: its non-empty inputs plus the outer-scope tensors its sub-graphs (If/Loop/Scan
 * bodies) use, because those are real dependencies for ordering and for cutting.
 */
export function nodeInputs(node: NodeProto): string[] {
  const names = (node.input ?? []).filter((name) => name !== '');
  const outer = new Set<string>();
  for (const attribute of node.attribute ?? []) {
    if (attribute.g) collectOuterReferences(attribute.g, outer);
    for (const sub of attribute.graphs ?? []) collectOuterReferences(sub, outer);
  }
  for (const name of outer) if (!names.includes(name)) names.push(name);
  return names;
}

function collectOuterReferences(graph: GraphProto, out: Set<string>): void {
  const defined = new Set<string>([
    ...(graph.input ?? []).map((v) => v.name ?? ''),
    ...(graph.initializer ?? []).map((t) => t.name ?? ''),
  ]);
  for (const node of graph.node ?? []) {
    for (const name of nodeInputs(node)) if (!defined.has(name)) out.add(name);
    for (const name of node.output ?? []) defined.add(name);
  }
}

export function indexGraph(graph: GraphProto): GraphIndex {
  const nodes = graph.node ?? [];
  const producers = new Map<string, number>();
  const consumers = new Map<string, number[]>();
  nodes.forEach((node, i) => {
    for (const name of node.output ?? []) if (name !== '') producers.set(name, i);
    for (const name of nodeInputs(node)) {
      const list = consumers.get(name);
      if (list) list.push(i);
      else consumers.set(name, [i]);
    }
  });
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t] as const));
  const inputs = new Set((graph.input ?? []).map((v) => v.name ?? '').filter((name) => !initializers.has(name)));
  const outputs = new Set((graph.output ?? []).map((v) => v.name ?? ''));
  return { graph, nodes, producers, consumers, initializers, inputs, outputs };
}

/** Whether `name` is a tensor of the main graph (node output, graph input or initializer). */
export function hasTensor(index: GraphIndex, name: string): boolean {
  return index.producers.has(name) || index.inputs.has(name) || index.initializers.has(name);
}

/** Every tensor name of the main graph, in graph order (inputs, initializers, node outputs). */
export function tensorNames(index: GraphIndex): string[] {
  const names = new Set<string>([...index.inputs, ...index.initializers.keys()]);
  for (const node of index.nodes) for (const name of node.output ?? []) if (name !== '') names.add(name);
  return [...names];
}

/** The declared ValueInfo of a tensor (graph input, output or value_info), if any. */
export function valueInfoOf(graph: GraphProto, name: string): ValueInfoProto | undefined {
  for (const list of [graph.input, graph.output, graph.valueInfo]) {
    const found = (list ?? []).find((v) => v.name === name && v.type?.tensorType);
    if (found) return found;
  }
  return undefined;
}

/**
 * Element type (TensorProto.DataType) of a tensor: declared, else inferred from its producer (so a
 * shape computation without value_info is still known to be int64), else undefined.
 */
export function elemTypeOf(index: GraphIndex, name: string): number | undefined {
  return elemTypeWithin(index, name, new Set());
}

/** Ops that read only their input's shape, not its values. */
export const SHAPE_ONLY_OPS: ReadonlySet<string> = new Set(['Shape', 'Size']);

/** Ops whose outputs are int64 whatever their inputs (indices and shapes). */
const INT64_OPS = new Set(['Shape', 'Size', 'ArgMax', 'ArgMin', 'NonZero', 'NonMaxSuppression']);
/** Ops whose outputs are bool. */
const BOOL_OPS = new Set(['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);
/** Ops whose output has the type of their data input (index of that input; default 0). */
const DATA_INPUT: Record<string, number> = { Where: 1, DequantizeLinear: 1, QuantizeLinear: 2 };
const { int64: INT64, bool: BOOL, float32: FLOAT } = DATA_TYPE;

function elemTypeWithin(index: GraphIndex, name: string, seen: Set<string>): number | undefined {
  const initializer = index.initializers.get(name);
  if (initializer) return initializer.dataType;
  const declared = valueInfoOf(index.graph, name)?.type?.tensorType?.elemType;
  if (declared !== undefined && declared !== 0) return declared;
  const at = index.producers.get(name);
  if (at === undefined || seen.has(name)) return undefined;
  seen.add(name);
  const node = index.nodes[at]!;
  const op = node.opType ?? '';
  if ((node.domain ?? '') !== '' && node.domain !== 'ai.onnx') return undefined;
  if (INT64_OPS.has(op) || (op === 'TopK' && node.output?.[1] === name)) return INT64;
  if (BOOL_OPS.has(op)) return BOOL;
  const attribute = (key: string) => (node.attribute ?? []).find((a) => a.name === key);
  if (op === 'Cast') return int64ToNumber(attribute('to')?.i) || undefined;
  if (op === 'Constant') return attribute('value')?.t?.dataType ?? (attribute('value_ints') ? INT64 : attribute('value_floats') ? FLOAT : undefined);
  if (op === 'ConstantOfShape') return attribute('value')?.t?.dataType ?? FLOAT;
  if (op === 'CastLike') return node.input?.[1] ? elemTypeWithin(index, node.input[1], seen) : undefined;
  const data = node.input?.[DATA_INPUT[op] ?? 0];
  return data ? elemTypeWithin(index, data, seen) : undefined;
}

/** Declared shape (numbers for fixed dims, strings for symbolic or unknown ones), or undefined. */
export function shapeOf(graph: GraphProto, name: string): (number | string)[] | undefined {
  const shape = valueInfoOf(graph, name)?.type?.tensorType?.shape;
  if (!shape) return undefined;
  return (shape.dim ?? []).map((d, i) => (d.dimValue !== undefined ? int64ToNumber(d.dimValue) : d.dimParam || `d${i}`));
}

/**
 * Nodes in a topological order that keeps the given order wherever it is already valid (ONNX
 * requires sorted graphs, and a stable order keeps rewritten models byte-identical run to run).
 * `available` are the names defined before any node runs (inputs, initializers).
 */
export function topologicalOrder(nodes: readonly NodeProto[], available: Iterable<string>): NodeProto[] {
  const defined = new Set(available);
  const producer = new Map<string, number>();
  nodes.forEach((node, i) => {
    for (const name of node.output ?? []) if (name !== '' && !defined.has(name)) producer.set(name, i);
  });
  // Kahn's algorithm, always taking the ready node with the smallest original index.
  const waitingOn = new Array<number>(nodes.length).fill(0);
  const dependents: number[][] = nodes.map(() => []);
  nodes.forEach((node, i) => {
    for (const name of new Set(nodeInputs(node))) {
      const from = producer.get(name);
      if (from === undefined || from === i) continue;
      waitingOn[i]!++;
      dependents[from]!.push(i);
    }
  });
  const ready = new MinHeap();
  waitingOn.forEach((count, i) => count === 0 && ready.push(i));
  const order: NodeProto[] = [];
  while (ready.size > 0) {
    const i = ready.pop();
    order.push(nodes[i]!);
    for (const next of dependents[i]!) if (--waitingOn[next]! === 0) ready.push(next);
  }
  if (order.length < nodes.length) {
    const stuck = nodes.find((_, i) => waitingOn[i]! > 0);
    throw new Error(`topologicalOrder: the graph has a cycle through node ${stuck?.name || stuck?.opType || '?'}`);
  }
  return order;
}

class MinHeap {
  private readonly items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(value: number): void {
    const a = this.items;
    a.push(value);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= a[i]!) break;
      [a[parent], a[i]] = [a[i]!, a[parent]!];
      i = parent;
    }
  }
  pop(): number {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]! < a[m]!) m = l;
        if (r < a.length && a[r]! < a[m]!) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

/** A name not in `used` built from `base` (base, base__2, base__3, …); records it as used. */
export function uniqueName(base: string, used: Set<string>): string {
  let name = base;
  for (let n = 2; used.has(name); n++) name = `${base}__${n}`;
  used.add(name);
  return name;
}

/** Every name in use in the graph (tensors, graph inputs/outputs, value_info), for collision checks. */
export function usedNames(graph: GraphProto): Set<string> {
  const used = new Set<string>();
  for (const list of [graph.input, graph.output, graph.valueInfo]) for (const v of list ?? []) used.add(v.name ?? '');
  for (const t of graph.initializer ?? []) used.add(t.name ?? '');
  for (const node of graph.node ?? []) {
    for (const name of node.input ?? []) used.add(name);
    for (const name of node.output ?? []) used.add(name);
  }
  return used;
}

/** Up to `limit` names from `candidates` closest to `name` (edit distance), for "did you mean". */
export function closestNames(name: string, candidates: readonly string[], limit = 1): string[] {
  const scored: { candidate: string; distance: number }[] = [];
  const lower = name.toLowerCase();
  for (const candidate of candidates) {
    // Skip hopeless candidates cheaply: big graphs have tens of thousands of tensor names.
    if (Math.abs(candidate.length - name.length) > Math.max(8, name.length / 2)) continue;
    scored.push({ candidate, distance: editDistance(lower, candidate.toLowerCase()) });
  }
  scored.sort((a, b) => a.distance - b.distance || (a.candidate < b.candidate ? -1 : 1));
  const cutoff = Math.max(2, Math.floor(name.length / 3));
  return scored.filter((s) => s.distance <= cutoff).slice(0, limit).map((s) => s.candidate);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The default-domain opset the model imports. */
export function opsetOf(model: ModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  return entry ? int64ToNumber(entry.version) : 1;
}
