/**
 * The files `neurolens circuits` writes under RUN/circuits/, as stored: NAME.json (one query),
 * common.json, eval.json (`circuits --eval`) and NAME.diagnosis.json (`circuits --diagnose`).
 * The explorer's API and app read them through these types; JSON Schemas are generated from them
 * (src/schemas/).
 */
import type { CommonPath } from './common.js';
import type { CircuitQueryResult, CircuitSummary } from './discover.js';

/** RUN/circuits/NAME.json: a query result without its wall time (so identical runs write identical files). */
export interface CircuitFile extends Omit<CircuitQueryResult, 'diagnostics'> {
  format: 'neurolens-circuits';
  formatVersion: 1;
  diagnostics: Omit<CircuitQueryResult['diagnostics'], 'seconds'>;
}

/** RUN/circuits/common.json: the longest path shared by the circuits of several queries. */
export interface CommonFile extends CommonPath {
  format: 'neurolens-circuits-common';
  formatVersion: 1;
  /** The queries' images, in query order (the order of `sensitivity` and `sfs` in each edge). */
  queries: string[];
}

/** Mean and standard deviation over draws or queries. */
export interface MeanSd {
  mean: number;
  sd: number;
}

/** Logits of one class across a query's ablation rows. */
export interface ClassLogits {
  class: number;
  label?: string;
  /** Unablated logit. */
  original: number;
  /** With the union of the query's circuits zeroed. */
  circuit: number;
  /** Random neuron sets of the same size per layer, and sets outside every circuit. */
  random: MeanSd & { values: number[] };
  outside: MeanSd & { values: number[] };
  /** Deletion and insertion curves at `ks` edges. */
  deletion: number[];
  insertion: number[];
  drop: { circuit: number; random: number; outside: number };
  auc: { deletion: number; insertion: number };
}

/** The summary of {@link ClassLogits} over queries. */
export interface ClassSummary {
  queries: number;
  original: MeanSd;
  drop: { circuit: MeanSd; random: MeanSd; outside: MeanSd };
  auc: { deletion: MeanSd; insertion: MeanSd };
  /** Share of queries where zeroing the circuit moved the logit more than random sets did. */
  circuitBeatsRandom: number;
}

/** One query of eval.json. */
export interface CircuitsEvalQuery {
  index: number;
  image: string;
  circuits: number;
  neurons: number;
  /** Circuit neurons per analysis layer id. */
  perLayer: Record<string, number>;
  edges: number;
  /** Present when the query has circuit neurons: whether fewer neurons lie outside the circuits than in them. */
  outsideShort?: boolean;
  ks?: number[];
  /** The predicted class's logits; only the class when the query has no circuit neurons. */
  predicted: ClassLogits | { class: number; label?: string };
  /** The labelled class's logits (with labels; null when the image has no label). */
  true?: ClassLogits | null;
}

/** RUN/circuits/eval.json. */
export interface CircuitsEvalFile {
  format: 'neurolens-circuits-eval';
  formatVersion: 1;
  run: { fingerprint: string; model: string; images: number };
  protocol: {
    text: readonly string[];
    percentile: number;
    seed: number;
    draws: number;
    steps: number;
    factor: number;
    logit: string;
    queries: { sampled: number } | { given: number };
    /** Base name of the labels file, if one was given. */
    labels: string | null;
    batch: string;
  };
  /** Run image indices of the queries. */
  chosen: number[];
  summary: { queries: number; withCircuits: number; predicted: ClassSummary; true?: ClassSummary };
  queries: CircuitsEvalQuery[];
}

/** Change of the predicted and target logits under an intervention (after − before). */
export interface LogitChange {
  predicted: number;
  target: number;
  /** predicted − target. */
  margin: number;
}

/** One ranked circuit of a diagnosis. */
export interface DiagnosedCircuit {
  rank: number;
  id: string | number;
  root: { layer: string; channel: number };
  neurons: number;
  summary?: CircuitSummary;
  score: number;
  inhibit: LogitChange;
  stimulate: LogitChange;
}

/** RUN/circuits/NAME.diagnosis.json: the query's circuits ranked by how much they carry its prediction. */
export interface CircuitsDiagnosisFile {
  format: 'neurolens-circuits-diagnosis';
  formatVersion: 1;
  query: { index?: number; image: string };
  predicted: { class: number; label?: string; logit: number };
  target: { class: number; label?: string; logit: number; chosen: 'runner-up' | 'given' };
  protocol: { inhibit: string; stimulate: string; change: string; rank: string; percentile: number; stimulateFactor: number };
  circuits: DiagnosedCircuit[];
}
