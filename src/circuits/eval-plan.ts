/**
 * The ablation sets of one circuit-verification query (see EVAL_PROTOCOL in eval.ts): the union of
 * its circuits, the seeded random and outside draws, and the deletion / insertion curves.
 */
import { Random } from '../util/random.js';
import { layerPosition, resolveEnd, type CircuitResultLike } from './common.js';
import { pick, querySeed } from './faithfulness.js';
import type { NeuronRef } from './types.js';

/** The k grid of the curves. */
export function curveSteps(edges: number, steps: number): number[] {
  if (edges <= steps) return Array.from({ length: edges + 1 }, (_, k) => k);
  return Array.from({ length: steps + 1 }, (_, j) => Math.round((j * edges) / steps));
}

/** Trapezoid area of y over x = k/K. */
export function curveAuc(ks: readonly number[], ys: readonly number[]): number {
  const K = ks[ks.length - 1]!;
  if (!(K > 0)) return ys[0] ?? 0;
  let area = 0;
  for (let j = 1; j < ks.length; j++) area += ((ks[j]! - ks[j - 1]!) / K) * ((ys[j]! + ys[j - 1]!) / 2);
  return area;
}

/** Every ablation set of one query (see EVAL_PROTOCOL). */
export interface QueryPlan {
  union: NeuronRef[];
  perLayer: Record<string, number>;
  random: NeuronRef[][];
  outside: NeuronRef[][];
  outsideShort: boolean;
  edges: number;
  ks: number[];
  deletion: NeuronRef[][];
  insertion: NeuronRef[][];
}

export function planQuery(result: CircuitResultLike, options: { seed: number; index: number; draws: number; steps: number }): QueryPlan {
  const layers = result.layers;
  const key = (n: { layer: number; channel: number }) => n.layer * 1_000_003 + n.channel;
  const at = (n: { layer: number | string; channel: number }) => ({ layer: layerPosition(layers, n.layer), channel: n.channel });
  const inU = new Map<number, { layer: number; channel: number }>();
  const edges = new Map<string, { from: { layer: number; channel: number }; to: { layer: number; channel: number }; sensitivity: number }>();
  for (const circuit of result.circuits) {
    for (const node of circuit.nodes) inU.set(key(at(node)), at(node));
    for (const edge of circuit.edges) {
      const from = at(resolveEnd(circuit.nodes, edge.from));
      const to = at(resolveEnd(circuit.nodes, edge.to));
      const k = `${key(from)}>${key(to)}`;
      if (!edges.has(k)) edges.set(k, { from, to, sensitivity: edge.sensitivity });
    }
  }
  const ref = (n: { layer: number; channel: number }): NeuronRef => ({ layer: layers[n.layer]!.id, channel: n.channel });
  const unionNodes = [...inU.values()].sort((a, b) => a.layer - b.layer || a.channel - b.channel);
  const counts = layers.map((_, l) => unionNodes.filter((n) => n.layer === l).length);
  const rng = new Random(querySeed(options.seed, options.index));
  const draw = (pool: number[], n: number): number[] => pick(rng, pool, n);
  const random: NeuronRef[][] = [];
  for (let d = 0; d < options.draws; d++) {
    random.push(layers.flatMap((layer, l) => (counts[l]! > 0 ? draw(Array.from({ length: layer.channels }, (_, c) => c), counts[l]!).map((channel) => ({ layer: layer.id, channel })) : [])));
  }
  let outsideShort = false;
  const outside: NeuronRef[][] = [];
  for (let d = 0; d < options.draws; d++) {
    outside.push(layers.flatMap((layer, l) => {
      if (counts[l] === 0) return [];
      const pool = Array.from({ length: layer.channels }, (_, c) => c).filter((c) => !inU.has(key({ layer: l, channel: c })));
      if (pool.length < counts[l]!) outsideShort = true;
      return draw(pool, counts[l]!).map((channel) => ({ layer: layer.id, channel }));
    }));
  }
  const ranked = [...edges.values()].sort((a, b) => b.sensitivity - a.sensitivity || a.from.layer - b.from.layer || a.from.channel - b.from.channel || a.to.layer - b.to.layer || a.to.channel - b.to.channel);
  const order: { layer: number; channel: number }[] = [];
  const seen = new Set<number>();
  const prefix = [0];
  for (const edge of ranked) {
    for (const n of [edge.from, edge.to]) {
      if (!seen.has(key(n))) {
        seen.add(key(n));
        order.push(n);
      }
    }
    prefix.push(order.length);
  }
  const ks = curveSteps(ranked.length, options.steps);
  const union = unionNodes.map(ref);
  const deletion = ks.map((k) => order.slice(0, prefix[k]).map(ref));
  const insertion = ks.map((k) => {
    const restored = new Set(order.slice(0, prefix[k]).map(key));
    return unionNodes.filter((n) => !restored.has(key(n))).map(ref);
  });
  const perLayer = Object.fromEntries(layers.flatMap((layer, l) => (counts[l]! > 0 ? [[layer.id, counts[l]!]] : [])));
  return { union, perLayer, random, outside, outsideShort, edges: ranked.length, ks, deletion, insertion };
}
