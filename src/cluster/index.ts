/** Clustering of neuron/activation vectors: FINCH hierarchies (see finch.ts). */
export { finch, type FinchOptions, type FinchProgress, type FinchResult, type FinchVariant } from './finch.js';
export type { NeighbourSearch } from './neighbours.js';
export type { Metric } from './space.js';
