/**
 * RUN/neurons/effects.LAYER.json, written by `neurolens neurons --effects` (./effects.ts): per
 * neuron, the classes whose logits move most when the neuron is zeroed (measured on a seeded sample
 * of run images), and gradient heatmaps of the neuron over its top exemplars, each with its check.
 */

export interface ClassEffect {
  class: number;
  /** Class name from the model card, when known. */
  name: string | null;
  /** Mean over the sample of (logit with the neuron zeroed − logit unchanged). */
  mean: number;
  /** Simultaneous interval over the classes (Student t, Bonferroni over every class). */
  ci: [number, number];
  /** The interval excludes 0. */
  significant: boolean;
}

export interface NeuronAblation {
  /** Classes whose logit rises most (mean > 0), largest first. */
  up: ClassEffect[];
  /** Classes whose logit falls most (mean < 0), most negative first. */
  down: ClassEffect[];
  /** Largest |mean| over all classes (compare with the layer's spread, `layerLargest`). */
  largest: number;
}

export interface NeuronHeatmap {
  /** Run image index, path relative to the image root, and the neuron's rank-ordered exemplar slot. */
  index: number;
  path: string;
  /** Run-relative overlay PNG (the image with the map in the turbo colour map and a scale bar). */
  png: string;
  /** The neuron's value on the image (its mean over positions: the attribution target). */
  clean: number;
  /**
   * The check: the neuron's value with the map's hottest `deletion` share of pixels set to the
   * baseline, and with the same number of seeded random pixels set to it. The map points at what
   * drives the neuron when `hot` < `random`.
   */
  hot: number;
  random: number;
  pass: boolean;
}

export interface NeuronEffectsEntry {
  channel: number;
  ablation: NeuronAblation | null;
  heatmaps: NeuronHeatmap[] | null;
}

export interface NeuronEffectsFile {
  format: 'neurolens-neuron-effects';
  formatVersion: 1;
  layer: { id: string; tensor: string; channels: number };
  settings: {
    /** Ablation: 'zero' (the channel ×0 at every position); null when not measured. */
    ablation: null | { mode: 'zero'; seed: number; images: number[]; output: string; classes: number; alpha: number; top: number };
    /** Heatmaps: method, exemplars per neuron and the pooling that ranked them; null when not made. */
    heatmaps: null | { method: 'gradient'; exemplars: number; pooling: string; target: 'mean over positions'; deletion: number; baseline: 'zero (the normalised mean colour)'; seed: number };
  };
  /** Median and 90th percentile over the layer's neurons of NeuronAblation.largest; null without ablation. */
  layerLargest: { median: number; q90: number } | null;
  neurons: NeuronEffectsEntry[];
}
