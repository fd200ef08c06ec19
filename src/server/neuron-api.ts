/**
 * The neuron page's analysis sections of NeuronResponse (src/server/api.ts re-exports these types):
 * what the server computes from the stored pooled activations on request, and what it reads from
 * the model-dependent outputs of `neurolens neurons --effects`. No Node imports (the app bundles it).
 */
import type { NeuronEffectsFile } from '../neurons/effects-types.js';

export type { ClassEffect, NeuronAblation, NeuronEffectsFile, NeuronEffectsEntry, NeuronHeatmap } from '../neurons/effects-types.js';

/** An image of the run with the neuron's pooled activation on it (in the response's pooling). */
export interface ActivationImage {
  index: number;
  path: string;
  activation: number;
}

/** Images at one quantile of the neuron's activation distribution over the run. */
export interface QuantileBand {
  /** Quantile in [0, 1] (0.5 = median). */
  q: number;
  /** The activation at that quantile (the image of rank round(q·(n−1)) in ascending order). */
  value: number;
  /** Images of consecutive ranks around it, strongest first. */
  images: ActivationImage[];
}

export interface NeuronDistribution {
  /** Images with a finite activation (the quantiles' n). */
  images: number;
  bands: QuantileBand[];
  /** The images where the neuron is lowest, lowest first. */
  lowest: ActivationImage[];
  /** Images sharing the minimum value (many with ReLU outputs: "lowest" is then an arbitrary pick of ties). */
  atMinimum: number;
}

/** A neuron correlated with this one across the run's images (Pearson r of pooled activations). */
export interface CorrelatedNeuron {
  layer: string;
  /** Where `layer` sits relative to the neuron's layer in the run's layer order. */
  relation: 'same' | 'previous' | 'next';
  channel: number;
  r: number;
  /** 95 % interval of r (Fisher z; per neuron, not corrected for the neurons searched). */
  ci: [number, number];
  /** Images with both activations finite. */
  n: number;
}

export interface NeuronCorrelations {
  /** The strongest |r| per neighbouring layer, strongest first (positive and negative). */
  neurons: CorrelatedNeuron[];
  /**
   * The check: |r| a neuron needs to beat chance among all the neurons searched (Bonferroni over
   * `searched` at 5 %, Fisher z); rows below it are shown as not significant.
   */
  threshold: number;
  searched: number;
  /** 1, or k when a large run's correlations use every k-th image (bounded work per page). */
  stride: number;
}

/** One neuron's feature visualisation (RUN/visualize/LAYER/visualize.json), with its check. */
export interface NeuronVisualization {
  /** Run-relative PNG. */
  image: string;
  /** Always 'mean' (the quantity the optimisation maximises). */
  pooling: 'mean';
  activation: number;
  best: { index: number; path: string; activation: number };
  /** activation ≥ best.activation; false means the picture did not reach the dataset's best. */
  pass: boolean;
  /** With `visualize --diversity K`: the other images (each with its own check) and how alike the K are (mean pairwise Gram cosine, 1 = alike). */
  diversity: { images: { image: string; activation: number; pass: boolean }[]; gramCosine: number } | null;
}

/** What `neurolens neurons --effects` measured for this neuron; null parts were not computed. */
export interface NeuronEffectsView {
  /** The settings of the file (sample, method, checks), as stored. */
  settings: NeuronEffectsFile['settings'];
  ablation: NeuronEffectsFile['neurons'][number]['ablation'];
  heatmaps: NeuronEffectsFile['neurons'][number]['heatmaps'];
  /** The layer's spread of neurons' largest class effect (median, 90th percentile), for comparison. */
  layerLargest: NeuronEffectsFile['layerLargest'];
}
