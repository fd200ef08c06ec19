/**
 * Responses of the layer and neuron endpoints (`/api/layers/:layer/neurons`, `/api/neuron/:layer/:c`),
 * re-exported by api.ts, which the app imports.
 */
import type { NeuronSort } from './api.js';
import type { NeuronCorrelations, NeuronDistribution, NeuronEffectsView, NeuronVisualization } from './neuron-api.js';
/** A neuron's label from RUN/neurons (dissection or enrichment labels). */
export interface NeuronLabel {
  /** The label; null = tested for enrichment and unlabelled (no concept significant). */
  text: string | null;
  /** 'dissection' (neurons/dissection.json) or 'labels' (neurons/labels.json). */
  source: 'dissection' | 'labels';
  /** Score of the label when the file gives one (IoU, F1…). */
  score: number | null;
  /** Enrichment labels only: the best concept (labelled or not) and the evidence of its test. */
  evidence?: LabelEvidenceView;
}

/** The significance evidence of an enrichment label (neurons/labels.json). */
export interface LabelEvidenceView {
  best: string | null;
  /** Benjamini–Hochberg q across the layer. */
  q: number;
  /** Top images that show the concept, of `topK`. */
  overlap: number;
  topK: number;
  conceptSize: number;
  dataset: number;
}

export interface NeuronRow {
  index: number;
  /** Activation rate (stats column `rate`). */
  rate: number;
  mean: number;
  std: number;
  q99: number;
  /** Largest pooled activation over the run's images. */
  max: number;
  label: NeuronLabel | null;
  /**
   * The label's check: 'pass' (significant enrichment, or a dissection IoU above its minimum),
   * 'fail' (tested, nothing significant: `label.evidence.best` is only a candidate), 'unchecked'
   * (a label with no test behind it); null without a label.
   */
  labelCheck: LabelCheck | null;
  /** Run indices of the neuron's strongest images, up to ROW_EXEMPLARS (exemplars file, else stats top-k). */
  exemplars: number[];
  /** Its feature visualisation (RUN/visualize/LAYER/C.png), when that PNG exists. */
  visualization: CardVisualization | null;
  /** The best test AUC among the probes that name the neuron (best single neuron or a top neuron). */
  probe: { concept: string; auc: number } | null;
  /** Circuit queries (RUN/circuits/NAME.json) holding the neuron, by name. */
  circuits: string[];
}

export type LabelCheck = 'pass' | 'fail' | 'unchecked';

export interface CardVisualization {
  /** Run-relative path of the PNG. */
  image: string;
  /** From visualize.json: the PNG's activation against the neuron's best dataset image; null when not listed. */
  check: { pass: boolean; activation: number; best: number } | null;
}

/** The filters a NeuronsPage was cut with (null: not set). */
export interface NeuronFilter {
  q: string;
  minRate: number | null;
  maxRate: number | null;
  minAuc: number | null;
  /** A circuit query name, CIRCUIT_FILTER_ANY or CIRCUIT_FILTER_NONE. */
  circuit: string | null;
}

export interface NeuronsPage {
  layer: string;
  pooling: string;
  sort: NeuronSort;
  offset: number;
  limit: number;
  /** Neurons matching the filters (all of the layer's when none is set). */
  total: number;
  neurons: NeuronRow[];
  /** Neurons in the layer. */
  channels: number;
  filter: NeuronFilter;
  /** What the layer's analyses hold, for the filters and the grid's notes. */
  layerAnalyses: {
    /** Neurons with a visualisation PNG, and how many of those pass their check. */
    visualized: number;
    visualizedPassed: number;
    /** Whether any probe names a neuron of the layer. */
    probes: boolean;
    /** Circuit queries holding any neuron of the layer, by name. */
    circuits: string[];
  };
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface NeuronExemplar {
  index: number;
  path: string;
  activation: number;
  /** Region of the neuron on this image, model-input pixels, when the run has exemplar boxes. */
  box: Box | null;
}

export interface NeuronResponse {
  layer: string;
  channel: number;
  /**
   * The one pooling of every activation in the response (stats, histogram, exemplars, quantiles,
   * correlations): `?pooling=`, else the pooling of the neurons stage's exemplars, else the run default.
   */
  pooling: string;
  /** Neurons in the layer. */
  channels: number;
  stats: { mean: number; std: number; rate: number; q50: number; q90: number; q99: number; q995: number; min: number; max: number };
  /** HISTOGRAM_BINS equal bins over [min, max]: `edges` has bins + 1 entries. */
  histogram: { edges: number[]; counts: number[] };
  /** Top images, strongest first (from neurons/exemplars.LAYER.json, else stats top-k). */
  exemplars: NeuronExemplar[];
  exemplarSource: 'neurons' | 'topk';
  /** Run-relative path of the neuron's sprite (neurons/thumbs/LAYER/C.png), if any. */
  sprite: string | null;
  /** The pooling that ranked the sprite's crops (the neurons stage's); may differ from `pooling` when one was asked for. */
  spritePooling: string | null;
  /** Images at activation quantiles and the lowest images (computed from the stored activations). */
  distribution: NeuronDistribution;
  /** The most correlated neurons in this and the adjacent layers, with the significance threshold. */
  correlations: NeuronCorrelations;
  /** Ablation class effects and exemplar heatmaps from `neurolens neurons --effects`; null when not computed. */
  effects: NeuronEffectsView | null;
  /** The feature visualisation from `neurolens visualize` with its check; null when not computed. */
  visualization: NeuronVisualization | null;
  label: NeuronLabel | null;
  /** Concept clusters of this layer whose neuron group holds the neuron. */
  concepts: { id: string; level: number; caption: string; groupSize: number; images: number; difference: boolean }[];
  /** Probe results that name the neuron (best single neuron or among top neurons). */
  probes: { concept: string; pooling: string; role: 'best-single' | 'top'; rank: number; auc: number | null; heldInAuc: number | null; weight: number | null }[];
  /** Circuits (by query name) holding the neuron. */
  circuits: { name: string; circuit: string; root: boolean; act: number | null; region: Box | null }[];
}

