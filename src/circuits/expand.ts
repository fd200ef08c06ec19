/**
 * Circuit expansion for Granular Concept Circuits (issue 5), independent of how sensitivity scores
 * are computed: `selectEdges` turns one source's scores into edges (candidates → peaks-over-
 * threshold cut → semantic cut), and `discoverCircuits` grows circuits depth-first from the roots
 * through an `edgesFrom` oracle supplied by the caller (the real one runs the model).
 */
import { NeurolensError } from '../errors.js';
import { circuitMessages } from '../messages/circuits.js';
import { potThreshold } from './pot.js';
import type { Circuit, CircuitEdge, NeuronRef } from './types.js';

/** The semantic cut never keeps an edge whose SFS is at or below this, whatever the mean. */
export const SFS_FLOOR = 0.1;

export interface SelectEdgesInput {
  /** The source neuron (l, c). */
  source: NeuronRef;
  /** Id of the next layer l+1, whose channels `scores` and `sfs` index. */
  targetLayer: string;
  /** Sensitivity S(c′) of every next-layer channel for this source and query. */
  scores: Float64Array;
  /** SFS(c, c′) of every next-layer channel. */
  sfs: Float64Array;
  /** Whether the query is in T10(l+1, c′) (see reference.ts `isTop`). */
  queryInT10: (channel: number) => boolean;
  /** Percentile of the peaks-over-threshold cut. Default 90. */
  percentile?: number;
  /** Tail probability of the peaks-over-threshold cut. Default 0.05. */
  tail?: number;
}

export interface SelectEdgesDiagnostics {
  /** Targets with the query in their T10 and S > 0 (non-finite S never counts). */
  candidates: number;
  /** Percentile threshold t, GPD fit and cut z of the sensitivity cut (NaN without candidates / excesses). */
  t: number;
  nx: number;
  xi: number;
  sigma: number;
  z: number;
  /** Candidates above z. */
  afterSensitivity: number;
  /** max(mean SFS over all candidates, SFS_FLOOR): survivors need SFS above it. */
  sfsCut: number;
  /** Edges kept (survivors of both cuts). */
  afterSemantic: number;
}

/** One source's edges (ordered by target channel) and how the cuts went. */
export function selectEdges(input: SelectEdgesInput): { edges: CircuitEdge[]; diagnostics: SelectEdgesDiagnostics } {
  const { source, targetLayer, scores, sfs, queryInT10 } = input;
  if (sfs.length !== scores.length) throw new RangeError(`selectEdges: ${scores.length} scores but ${sfs.length} SFS values`);
  const candidates: number[] = [];
  for (let c = 0; c < scores.length; c++) if (scores[c]! > 0 && Number.isFinite(scores[c]!) && queryInT10(c)) candidates.push(c);
  const nan = Number.NaN;
  if (candidates.length === 0) {
    const diagnostics = { candidates: 0, t: nan, nx: 0, xi: nan, sigma: nan, z: nan, afterSensitivity: 0, sfsCut: SFS_FLOOR, afterSemantic: 0 };
    return { edges: [], diagnostics };
  }
  const pot = potThreshold(candidates.map((c) => scores[c]!), { percentile: input.percentile ?? 90, tail: input.tail ?? 0.05 });
  let meanSfs = 0;
  for (const c of candidates) meanSfs += sfs[c]!;
  meanSfs /= candidates.length;
  const sfsCut = Math.max(meanSfs, SFS_FLOOR);
  const edges: CircuitEdge[] = [];
  for (const i of pot.selected) {
    const c = candidates[i]!;
    if (sfs[c]! > sfsCut) edges.push({ from: { ...source }, to: { layer: targetLayer, channel: c }, sensitivity: scores[c]!, sfs: sfs[c]! });
  }
  const diagnostics = { candidates: candidates.length, t: pot.t, nx: pot.nx, xi: pot.xi, sigma: pot.sigma, z: pot.z, afterSensitivity: pot.selected.length, sfsCut, afterSemantic: edges.length };
  return { edges, diagnostics };
}

/** Progress of {@link discoverCircuits}. */
export interface ExpandProgress {
  rootsDone: number;
  roots: number;
  /** Nodes expanded so far (oracle calls). */
  expanded: number;
  circuits: number;
}

export interface DiscoverCircuitsInput {
  /** Analysis layer ids in order (shallow → deep); edges go from layer i to layer i+1. */
  layers: readonly string[];
  /** Root neurons (neurons with the query in their T1). Processed by layer order, then channel; roots of the last layer and repeats are ignored. */
  roots: readonly NeuronRef[];
  /** Out-edges of a neuron with both cuts applied; called at most once per neuron, never for the last layer. */
  edgesFrom: (layer: string, channel: number) => Promise<CircuitEdge[]>;
  /** Called after each root. */
  onProgress?: (progress: ExpandProgress) => void;
}

const keyOf = (layerIndex: number, channel: number): string => `${layerIndex}:${channel}`;

/**
 * Circuits from the roots. Depth-first, forward to the last layer, with a global visited set and a
 * per-node cache: a neuron's out-edges are fetched once (when it is first reached) and reused by
 * every later circuit that reaches it, so a shared sub-tree is never expanded twice. A root that an
 * earlier circuit already reached gets no circuit of its own; a root with at least one edge yields
 * one circuit, the de-duplicated edge set of everything reachable from it.
 */
export async function discoverCircuits(input: DiscoverCircuitsInput): Promise<Circuit[]> {
  const { layers, edgesFrom } = input;
  const index = new Map(layers.map((id, i) => [id, i]));
  const layerIndex = (ref: NeuronRef): number => {
    const i = index.get(ref.layer);
    if (i === undefined) throw new NeurolensError('usage', circuitMessages.rootLayer(ref.layer, layers));
    return i;
  };
  const roots = [...new Map(input.roots.map((r) => [keyOf(layerIndex(r), r.channel), r])).values()]
    .filter((r) => layerIndex(r) < layers.length - 1)
    .sort((a, b) => layerIndex(a) - layerIndex(b) || a.channel - b.channel);

  /** Out-edges of every expanded node (the cache); a key's presence also marks the node visited. */
  const cache = new Map<string, CircuitEdge[]>();
  let oracleCalls = 0;

  async function expand(layer: number, channel: number): Promise<void> {
    const key = keyOf(layer, channel);
    if (cache.has(key)) return;
    if (layer === layers.length - 1) {
      cache.set(key, []);
      return;
    }
    const edges: CircuitEdge[] = [];
    const seen = new Set<number>();
    oracleCalls++;
    for (const edge of await edgesFrom(layers[layer]!, channel)) {
      const to = index.get(edge.to.layer);
      if (edge.from.layer !== layers[layer] || edge.from.channel !== channel || to !== layer + 1) {
        throw new RangeError(`edgesFrom(${layers[layer]}, ${channel}) returned an edge ${edge.from.layer}:${edge.from.channel} → ${edge.to.layer}:${edge.to.channel}; edges must leave that neuron for the next layer`);
      }
      if (seen.has(edge.to.channel)) continue; // duplicate target: keep the first
      seen.add(edge.to.channel);
      edges.push(edge);
    }
    cache.set(key, edges);
    for (const edge of edges) await expand(layer + 1, edge.to.channel);
  }

  /** The sub-tree of a node, rebuilt from the cache (no oracle calls). */
  function collect(layer: number, channel: number): Circuit {
    const nodes = new Map<string, [number, NeuronRef]>();
    const edges: [number, CircuitEdge][] = [];
    const stack: [number, number][] = [[layer, channel]];
    nodes.set(keyOf(layer, channel), [layer, { layer: layers[layer]!, channel }]);
    while (stack.length > 0) {
      const [l, c] = stack.pop()!;
      for (const edge of cache.get(keyOf(l, c)) ?? []) {
        edges.push([l, edge]);
        const key = keyOf(l + 1, edge.to.channel);
        if (nodes.has(key)) continue;
        nodes.set(key, [l + 1, { layer: layers[l + 1]!, channel: edge.to.channel }]);
        stack.push([l + 1, edge.to.channel]);
      }
    }
    // Each node's out-edges are visited once, so edges are unique; order them for determinism.
    edges.sort(([la, a], [lb, b]) => la - lb || a.from.channel - b.from.channel || a.to.channel - b.to.channel);
    const sortedNodes = [...nodes.values()].sort(([la, a], [lb, b]) => la - lb || a.channel - b.channel).map(([, n]) => n);
    return { root: { layer: layers[layer]!, channel }, nodes: sortedNodes, edges: edges.map(([, e]) => e) };
  }

  const circuits: Circuit[] = [];
  let done = 0;
  for (const root of roots) {
    const l = layerIndex(root);
    if (!cache.has(keyOf(l, root.channel))) {
      await expand(l, root.channel);
      if (cache.get(keyOf(l, root.channel))!.length > 0) circuits.push(collect(l, root.channel));
    }
    done++;
    input.onProgress?.({ rootsDone: done, roots: roots.length, expanded: oracleCalls, circuits: circuits.length });
  }
  return circuits;
}
