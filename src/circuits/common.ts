/**
 * Circuits shared by several queries (issue 5): the longest path layer l → l+1 → … whose every edge
 * is in every query's circuit graph. A query's circuit graph is the union of its circuits' edges;
 * edges are compared by (source layer id, source channel, target layer id, target channel), so
 * results whose `layers` lists differ still line up by layer id.
 *
 * Also home of the minimal view of a CircuitFinder query result that eval.ts, diagnose.ts and this
 * file consume (discover.ts owns the full type; this one only names what is read).
 */

/** A neuron as a query result names it: `layer` is a layer id, or an index into the result's `layers`. */
export interface ResultNeuron {
  layer: number | string;
  channel: number;
}

/** An edge end: a node of the circuit (index into its `nodes`) or the neuron itself. */
export type ResultEdgeEnd = number | ResultNeuron;

/** The parts of a CircuitFinder query result this module and eval/diagnose read. */
export interface CircuitResultLike {
  query: { index?: number; image: string; predicted: { class: number; label?: string; logit: number; prob: number }[] };
  layers: { id: string; channels: number }[];
  circuits: {
    id: number | string;
    root: ResultEdgeEnd;
    nodes: ResultNeuron[];
    edges: { from: ResultEdgeEnd; to: ResultEdgeEnd; sensitivity: number; sfs: number }[];
  }[];
}

/** The neuron an edge end names (node indices are resolved through the circuit's nodes). */
export function resolveEnd(nodes: readonly ResultNeuron[], end: ResultEdgeEnd): ResultNeuron {
  if (typeof end === 'number') {
    const node = nodes[end];
    if (!node) throw new RangeError(`circuit edge names node ${end}, but the circuit has ${nodes.length} nodes`);
    return node;
  }
  return end;
}

/** Position of a neuron's layer in `layers` (a layer id is looked up; an index is checked). */
export function layerPosition(layers: readonly { id: string }[], layer: number | string): number {
  const position = typeof layer === 'number' ? layer : layers.findIndex((l) => l.id === layer);
  if (!(position >= 0 && position < layers.length)) throw new RangeError(`circuit names layer ${String(layer)}, which is not one of the result's layers (${layers.map((l) => l.id).join(', ')})`);
  return position;
}

/** One step of a common path, with each query's sensitivity and SFS of that edge (query order). */
export interface CommonEdge {
  from: { layer: string; channel: number };
  to: { layer: string; channel: number };
  sensitivity: number[];
  sfs: number[];
}

export interface CommonPath {
  /** Number of edges (0 when the queries share no edge). */
  length: number;
  /** The path's neurons, shallow → deep (length + 1 of them, or none). */
  nodes: { layer: string; channel: number }[];
  edges: CommonEdge[];
  /** Edges present in every query's circuit graph. */
  commonEdges: number;
}

interface EdgeValue {
  sensitivity: number;
  sfs: number;
}

const key = (layer: string, channel: number): string => `${layer}\u0000${channel}`;

/** One query's circuit graph: "fromLayer\0fromChannel" → target key → the edge's scores (first seen). */
function edgeMap(result: CircuitResultLike): Map<string, EdgeValue> {
  const edges = new Map<string, EdgeValue>();
  for (const circuit of result.circuits) {
    for (const edge of circuit.edges) {
      const from = resolveEnd(circuit.nodes, edge.from);
      const to = resolveEnd(circuit.nodes, edge.to);
      const fromId = result.layers[layerPosition(result.layers, from.layer)]!.id;
      const toId = result.layers[layerPosition(result.layers, to.layer)]!.id;
      const k = `${key(fromId, from.channel)}\u0001${key(toId, to.channel)}`;
      if (!edges.has(k)) edges.set(k, { sensitivity: edge.sensitivity, sfs: edge.sfs });
    }
  }
  return edges;
}

/**
 * The longest path whose every edge appears in all `results`' circuit graphs. Dynamic programming
 * from the deepest layer back: best(v) = max over common edges v → w of 1 + best(w). Layers are
 * ordered as in the first result's `layers` (every edge goes from one layer to the next).
 *
 * Tie-break (deterministic): among the longest paths, the lexicographically smallest sequence of
 * (layer position, channel) — the shallowest start, then the lowest channel at each step.
 * No results, or no shared edge: length 0 and no nodes.
 */
export function longestCommonPath(results: readonly CircuitResultLike[]): CommonPath {
  const empty: CommonPath = { length: 0, nodes: [], edges: [], commonEdges: 0 };
  if (results.length === 0) return empty;
  const maps = results.map(edgeMap);
  const order = new Map(results[0]!.layers.map((l, i) => [l.id, i]));
  // Common edges, keyed by source; each source's targets sorted by channel.
  const out = new Map<string, { layer: string; channel: number; position: number; targets: { layer: string; channel: number; k: string }[] }>();
  let commonEdges = 0;
  for (const k of maps[0]!.keys()) {
    if (!maps.every((m) => m.has(k))) continue;
    const [fromKey, toKey] = k.split('\u0001') as [string, string];
    const [fromLayer, fromChannel] = fromKey.split('\u0000') as [string, string];
    const [toLayer, toChannel] = toKey.split('\u0000') as [string, string];
    const position = order.get(fromLayer);
    if (position === undefined || order.get(toLayer) === undefined) continue;
    commonEdges++;
    let entry = out.get(fromKey);
    if (!entry) out.set(fromKey, (entry = { layer: fromLayer, channel: Number(fromChannel), position, targets: [] }));
    entry.targets.push({ layer: toLayer, channel: Number(toChannel), k });
  }
  if (commonEdges === 0) return empty;
  for (const entry of out.values()) entry.targets.sort((a, b) => a.channel - b.channel);

  // Deepest sources first, so every successor's best is known when a source is processed.
  const sources = [...out.entries()].sort(([, a], [, b]) => b.position - a.position || a.channel - b.channel);
  const best = new Map<string, number>();
  const next = new Map<string, { layer: string; channel: number; k: string }>();
  for (const [fromKey, entry] of sources) {
    let length = 0;
    for (const t of entry.targets) {
      const l = 1 + (best.get(key(t.layer, t.channel)) ?? 0);
      // Strictly longer only: targets are in channel order, so the lowest channel wins ties.
      if (l > length) {
        length = l;
        next.set(fromKey, t);
      }
    }
    best.set(fromKey, length);
  }
  let start: string | undefined;
  let startEntry: { position: number; channel: number } | undefined;
  let longest = 0;
  for (const [fromKey, entry] of out) {
    const l = best.get(fromKey)!;
    if (l > longest || (l === longest && (entry.position < startEntry!.position || (entry.position === startEntry!.position && entry.channel < startEntry!.channel)))) {
      longest = l;
      start = fromKey;
      startEntry = entry;
    }
  }
  const first = out.get(start!)!;
  const nodes = [{ layer: first.layer, channel: first.channel }];
  const edges: CommonEdge[] = [];
  let at = start!;
  while (next.has(at)) {
    const t = next.get(at)!;
    const from = nodes[nodes.length - 1]!;
    edges.push({
      from: { ...from },
      to: { layer: t.layer, channel: t.channel },
      sensitivity: maps.map((m) => m.get(t.k)!.sensitivity),
      sfs: maps.map((m) => m.get(t.k)!.sfs),
    });
    nodes.push({ layer: t.layer, channel: t.channel });
    at = key(t.layer, t.channel);
  }
  return { length: edges.length, nodes, edges, commonEdges };
}
