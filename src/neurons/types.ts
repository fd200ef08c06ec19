/** Public types of the single-neuron stage (`neurolens neurons`). */
import type { Box } from '../maps/region.js';
import type { Pooling } from '../record/types.js';

export interface NeuronsOptions {
  /** A finished RUN directory (from `neurolens record`). */
  run: string;
  /** Layer ids to analyse. Default: every recorded layer. */
  layers?: string[];
  /**
   * Which recorded pooling decides activity and ranks exemplars. Default: 'max' when recorded,
   * else 'top10', else 'mean'.
   */
  pooling?: Pooling;
  /**
   * A neuron is active on an image when its pooled activation is strictly above this. Default: no
   * fixed threshold — active when among the top 10 % of its layer on that image (see rates.ts).
   */
  activeAbove?: number;
  /** A neuron is rarely active when its activation rate is strictly below this, in (0, 1]. Default 0.01. */
  rareBelow?: number;
  /** Exemplars (top images) per neuron, at most the run's recorded top-k; 0 skips exemplars. Default 8. */
  top?: number;
  /** Side in pixels of each exemplar crop in the sprites. Default 64. */
  thumbSize?: number;
  /**
   * NetDissect mask dataset: JSONL with lines `{"image": "path", "masks": {"concept": "mask.png"}}`,
   * paths relative to the JSONL file. Omitted: no dissection.
   */
  masks?: string;
  /** Smallest IoU that earns a dissection label. Default 0.04. */
  iouMin?: number;
  /**
   * Label candidates from this concepts level only (1 = finest). Default: every cluster of every
   * level of the concepts run.
   */
  conceptsLevel?: number;
  /**
   * More label candidates: CSV `path,concept` or JSONL `{"path", "concepts": [...]}`, paths relative to
   * the recorded image root (the probes' format). Omitted: the concepts run's clusters only.
   */
  labels?: string;
  /**
   * A neuron gets its best concept as label when the concept's Benjamini–Hochberg q (across the
   * layer's neurons, after a Bonferroni correction for the candidates tried) is below this, in (0, 1];
   * otherwise it is unlabelled. Default 0.05.
   */
  maxQ?: number;
  /** Images per inference batch (exemplars and dissection). Default 16. */
  batch?: number;
  /** onnxruntime intra-op threads. Default: the number of CPU cores. */
  threads?: number;
  /** Execution provider of every session this opens: 'cpu' (default) or 'cuda' (see SessionOptions). */
  executionProvider?: 'cpu' | 'cuda';
  /** Bytes of tapped activations (and dissection buffers) one layer group may hold. Default 256 MiB. */
  groupBytes?: number;
  /**
   * Also run the model-dependent effects stage (./effects.ts): per-neuron ablation class effects on
   * a seeded sample of images and gradient heatmaps over the top exemplars, in
   * RUN/neurons/effects.LAYER.json. Default false (it costs effectImages · (neurons + 1) forwards).
   */
  effects?: boolean;
  /** Images of the seeded ablation sample (0 skips ablation, else ≥ 2). Default 32. */
  effectImages?: number;
  /** Heatmaps per neuron over its top exemplars (0 skips them). Default 4. */
  heatmaps?: number;
  /** Seed of the ablation sample and the heatmap checks' random pixels. Default 0. */
  seed?: number;
}

export interface NeuronsProgress {
  /** 'rates', 'exemplars', 'dissect-quantiles' or 'dissect-iou'. */
  phase: string;
  done: number;
  total: number;
}

export interface NeuronsHooks {
  onProgress?: (progress: NeuronsProgress) => void;
  /** One line per notable step (a stage skipped, a layer finished). */
  onStep?: (message: string) => void;
  /** One-line warnings (layers without a map for dissection, unreadable exemplar images). */
  onWarning?: (message: string) => void;
}

/** The rate histogram's bin edges: bin i holds rates in [edges[i], edges[i+1]) (the last bin includes 1). */
export const RATE_BIN_EDGES = [0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 1] as const;

export interface LayerRateSummary {
  id: string;
  channels: number;
  pooling: Pooling;
  /** Active means pooled activation > threshold; null = among the top 10 % of the layer on the image. */
  threshold: number | null;
  /** Rarely active means rate < rareBelow. */
  rareBelow: number;
  meanRate: number;
  histogram: { edges: number[]; counts: number[] };
  /** Neurons never active (rate 0). */
  dead: number;
  /** Rarely active neurons (dead ones included). */
  rare: number;
  /** The rare neurons in channel order, with their rate and number of active images. */
  rareNeurons: { channel: number; rate: number; active: number }[];
}

export interface RatesSummary {
  format: 'neurolens-neurons-summary';
  formatVersion: 1;
  images: number;
  layers: LayerRateSummary[];
  /** Images with the most rare neurons firing (total over layers, ties to the lower index). */
  topOffenders: { index: number; path: string; total: number; perLayer: number[] }[];
}

/** One neuron's exemplars (exemplars.LAYER.json). */
export interface NeuronExemplars {
  channel: number;
  /** Run image indices, highest pooled activation first (the run's top-k order). */
  images: number[];
  /** Paths relative to the recorded image root. */
  paths: string[];
  /** The neuron's pooled activation on each image (from the run). */
  activations: number[];
  /** The neuron's region on each image in model-input pixels; null when the image is no longer readable. */
  boxes: (Box | null)[];
}

export interface ExemplarsFile {
  format: 'neurolens-exemplars';
  formatVersion: 1;
  layer: { id: string; tensor: string; channels: number };
  pooling: Pooling;
  settings: { top: number; thumbSize: number };
  /** [height, width] of the model input (the boxes' coordinate space). */
  inputSize: [number, number];
  /** Sprite of neuron C: `thumbs/<layer file stem>/C.png`, relative to RUN/neurons. */
  sprites: string;
  neurons: NeuronExemplars[];
}

export interface NeuronsResult {
  /** Files written (relative to the run directory), in writing order. */
  files: string[];
  summary: RatesSummary;
  /** Neurons whose exemplars were computed by this call (the rest were already done). */
  exemplarsComputed: number;
  /** Notes for the user: stages skipped and why. */
  notes: string[];
}
