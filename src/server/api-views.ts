/**
 * Response types of the explorer's probes view (`/api/probes`, `/api/probes/:layer`) and of the
 * attribution view's grid and sanity check (part of `/api/attribution/:name`). Part of the API
 * contract: api.ts re-exports them, so the app imports them from there. No Node imports.
 */
import type { SanityCheck } from '../attribution/eval/checks.js';
import type { Stat } from '../attribution/eval/types.js';
import type { Interval } from '../probes/bootstrap.js';
import type { ProbeCheck } from '../probes/check.js';
import type { ProbeHeadline } from '../probes/headline.js';
import type { ConceptProbes, ProbeLayer } from '../probes/layer-probes.js';

/** One map of the grid: its overlay and the value range its colours span. */
export interface AttributionMapCell {
  /** Run-relative path of the overlay PNG (the map min–max normalised through turbo, over the image), if any. */
  png: string | null;
  /** The map's smallest and largest value (the colour scale's ends), from NAME.METHOD.npy; null when unreadable. */
  min: number | null;
  max: number | null;
  /** The map's height and width (model-input pixels); null with min/max. */
  height: number | null;
  width: number | null;
}

export interface AttributionGridRow {
  /** File stem of the image's outputs (NAME of NAME.METHOD.png). */
  name: string;
  /** The image's path as attribute recorded it (leading ../ dropped). */
  image: string;
  /** The run image with the same sha256, if the run recorded it (its thumbnail is the original). */
  index: number | null;
  /** What the maps explain, e.g. "predicted class 69 (country-flag)" (distinct targets joined by '; '); null when unknown. */
  target: string | null;
  cells: Record<string, AttributionMapCell>;
}

export interface AttributionSanity {
  /** Run-relative path of the eval.json holding the cascade. */
  source: string;
  method: string;
  images: number;
  /** Per cascade step: the mean ± sd similarities of the randomised model's maps to the original's. */
  steps: { step: number; layers: number; spearman: Stat; spearmanAbs: Stat; pearsonAbs: Stat }[];
  check: SanityCheck;
}

/** One probed layer (RUN/probes/LAYER.json). */
export interface ProbeLayerSummary {
  layer: string;
  pooling: string;
  images: number;
  channels: number;
  concepts: number;
  /** Concepts whose multi-neuron probe passes its check, fails it, or has too few test positives to tell. */
  passed: number;
  failed: number;
  tooFew: number;
  /** Test positives a concept needs for a claim. */
  minTestPositives: number;
  headline: ProbeHeadline | null;
}

export interface ProbesResponse {
  layers: ProbeLayerSummary[];
  /** Run-relative path of probes/report.html, if any. */
  report: string | null;
}

/** One concept's probes, as the probes page shows them. */
export interface ProbeConceptView {
  name: string;
  positives: number;
  negatives: number;
  testPositives: number;
  /** The multi-neuron (logistic) probe on the concept's test split, with 95 % intervals. */
  auc: number | null;
  aucCi: Interval | null;
  accuracy: number | null;
  accuracyCi: Interval | null;
  /** The same probe trained on shuffled labels (the control), and the majority class. */
  shuffledAuc: number | null;
  majorityAccuracy: number | null;
  /** The best single neuron (chosen on train + validation) scored on test. */
  singleNeuron: { neuron: number; auc: number | null; aucCi: Interval | null };
  /** AUC vs the number k of largest-weight neurons kept. */
  sparse: ConceptProbes['sparse'];
  topNeurons: ConceptProbes['topNeurons'];
  check: ProbeCheck;
}

export interface ProbeLayerResponse extends ProbeLayerSummary {
  /** Exclusive concepts: the joint probes' class accuracy. */
  joint: ProbeLayer['joint'];
  /** One entry per concept, in file order. */
  probes: ProbeConceptView[];
}
