/** Defaults of `buildConcepts` that the CLI shows, in one place so that the library and the help agree. */
import { DEFAULT_SAMPLE_K } from '../llm/summarize.js';

export const CONCEPTS_DEFAULTS = {
  /** Text embedder id. */
  embedder: 'tfidf',
  /** Cluster caption writer id. */
  summarizer: 'extractive',
  /** Recorded pooling that feeds the active-neuron rule. */
  pooling: 'mean',
  /** FINCH behaviour. */
  finchVariant: 'v0.2.1',
  /** Captions sampled per cluster for an LLM summary. */
  sampleK: DEFAULT_SAMPLE_K,
  /** Active neurons: the top 10 % of the layer on each image. */
  active: { kind: 'top-frac', fraction: 0.1 },
  /** Share of a cluster's images a neuron must be active on (level-1 groups). */
  minShare: 0.5,
  /** Keywords per cluster caption. */
  keywords: 5,
  /** Random partitions for the chance baseline. */
  chanceDraws: 20,
  /** Seed of the chance baseline. */
  seed: 0,
} as const;
