/**
 * Shared types of Granular Concept Circuits (issue 5). Kept minimal: the reference statistics, the
 * neurons and edges of a circuit, and the circuit itself. Layers are named by their run layer id
 * (manifest `layers[].id`); their order is the manifest's (topological) order.
 */

import type { NeuronRef } from '../maps/types.js';

/** One neuron (declared with the interventions in src/maps, which circuits build on). */
export type { NeuronRef };

/** Which reference set: the top 1 % (`'1'`) or top 10 % (`'10'`) images of a neuron. */
export type TopLevel = '1' | '10';

/**
 * Reference statistics of one layer, from `activations/<layer>.top10.npy`.
 * Sizes: |T1| = max(1, ⌈N/100⌉), |T10| = max(1, ⌈N/10⌉) for N images (capped at N). Images are
 * ranked by activation descending, ties by lower image index (NaN ranks last, as −∞), so T1 ⊆ T10.
 * A query q is placed by θ: q ∈ T ⇔ act(q) ≥ θ (ties with θ count as members).
 */
export interface ReferenceLayer {
  /** Run layer id. */
  layer: string;
  /** N, the number of reference images (rows of the activation matrix). */
  images: number;
  /** Number of neurons (columns). */
  channels: number;
  /** Per channel: image indices of its top 1 %, sorted ascending. */
  T1: Int32Array[];
  /** Per channel: image indices of its top 10 %, sorted ascending. */
  T10: Int32Array[];
  /** Per channel: the activation of the last (lowest-ranked) member of T1. */
  theta1: Float32Array;
  /** Per channel: the activation of the last (lowest-ranked) member of T10. */
  theta10: Float32Array;
}

/** A directed edge (l, c) → (l+1, c′) that passed both cuts. */
export interface CircuitEdge {
  from: NeuronRef;
  to: NeuronRef;
  /** Neuron sensitivity score S(c′) of the target for this source. */
  sensitivity: number;
  /** Semantic flow score |T1(from) ∩ T1(to)| / |T1(to)|. */
  sfs: number;
}

/** One circuit: the DAG reachable from `root`, as a de-duplicated edge set. */
export interface Circuit {
  root: NeuronRef;
  /** Every neuron of the circuit (root included), ordered by layer, then channel. */
  nodes: NeuronRef[];
  /** Edges ordered by (source layer, source channel, target layer, target channel); no duplicates. */
  edges: CircuitEdge[];
}
