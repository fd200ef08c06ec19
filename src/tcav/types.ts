/**
 * Public types of TCAV (Testing with Concept Activation Vectors, Kim et al. 2018): options, the
 * stored `neurolens-tcav` file and the result of {@link runTcav}.
 */
import type { LabelSource } from '../probes/labels.js';

/** Defaults of `runTcav` that the CLI shows, in one place so that the library and the help agree. */
export const TCAV_DEFAULTS = {
  /** Random counter-example sets per concept = random CAVs of the null distribution (at least 10). */
  random: 10,
  /** Seed of the random sets and the CAVs' held-out splits. */
  seed: 0,
  /** Images per forward + backward batch. */
  batch: 16,
  /** Significance level, applied to Bonferroni-adjusted p-values. */
  alpha: 0.05,
  /** Fewest images a concept (and each counter-example set) must have. */
  minImages: 5,
} as const;

/** The fewest random CAVs a significance test is run with. */
export const MIN_RANDOM = 10;

export interface TcavOptions {
  /** A finished RUN directory (from `neurolens record`); its manifest names the model. */
  run: string;
  /** Concept names, from the labels (at least one). */
  concepts: readonly string[];
  /** The class whose logit is explained: an index or a model-card class name. */
  class: string | number;
  /**
   * Labels file defining the concepts (the probes' format: CSV `path,concept` or JSONL
   * `{"path","concepts"}`, paths relative to the image root). Default: the labels source the
   * last `neurolens probe` on the layer recorded in RUN/probes/LAYER.json.
   */
  labels?: string;
  /** Layer id or tensor name of the run. Default: the run's last default analysis layer. */
  layer?: string;
  /** Random CAVs (and counter-example sets per concept); at least 10. Default 10. */
  random?: number;
  /** Seed of every random choice. Default 0. */
  seed?: number;
  /** Output JSON file; a Markdown report is written next to it (same name, `.md`). Default RUN/tcav/LAYER.CLASS.json. */
  out?: string;
  /** Images per forward + backward batch. Default 16. */
  batch?: number;
  /** onnxruntime intra-op threads. Default: the CPU count. */
  threads?: number;
  /** Execution provider. Default 'cpu'. */
  device?: 'cpu' | 'cuda';
}

export interface TcavHooks {
  onStep?: (message: string) => void;
  onWarning?: (message: string) => void;
}

/** Mean and sample standard deviation of a set of TCAV scores, with the scores themselves. */
export interface ScoreSet {
  /** One TCAV score per CAV, in counter-example-set order. */
  scores: number[];
  mean: number;
  /** Sample standard deviation (divisor n − 1). */
  std: number;
}

/** One concept's TCAV result. */
export interface TcavConcept extends ScoreSet {
  name: string;
  /** Run images labelled with the concept. */
  images: number;
  /** Mean held-out accuracy of its CAVs. */
  cavAccuracy: number | null;
  /** Welch's t of the concept's scores against the random CAVs' (null when infinite: neither set varies). */
  t: number | null;
  /** Two-sided p-value of that test. */
  p: number;
  /** p × the number of concepts tested (Bonferroni), at most 1. */
  pAdjusted: number;
  /** pAdjusted < alpha. */
  significant: boolean;
}

/** RUN/tcav/LAYER.CLASS.json (or --out): TCAV scores of concepts for one class at one layer. */
export interface TcavFile {
  format: 'neurolens-tcav';
  formatVersion: 1;
  layer: { id: string; tensor: string; kind: string; channels: number };
  /** The explained class and the images its scores are taken over. */
  class: { index: number; name: string | null; images: number; selection: 'predicted' };
  /** Everything that produced this file. */
  settings: {
    labels: LabelSource;
    pooling: 'mean';
    random: number;
    /** Images in every random set. */
    randomSetSize: number;
    seed: number;
    alpha: number;
    correction: 'bonferroni';
    cavTestShare: number;
    /** The definitions in words. */
    definitions: { cav: string; derivative: string; score: string; test: string };
  };
  /** The null distribution: random set vs random set CAVs. */
  random: ScoreSet;
  concepts: TcavConcept[];
}

export interface TcavResult {
  file: string;
  report: string;
  tcav: TcavFile;
  warnings: string[];
}
