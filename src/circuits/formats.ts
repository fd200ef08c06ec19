/**
 * The files `neurolens circuits` writes under RUN/circuits/, as stored: NAME.json (one query),
 * common.json, eval.json (`circuits --eval`), NAME.diagnosis.json (`circuits --diagnose`) and
 * crops/index.json (the nodes' reference crops as PNG files).
 * The explorer's API and app read them through these types; JSON Schemas are generated from them
 * (src/schemas/).
 */
import type { Box } from '../maps/region.js';
import type { CommonPath } from './common.js';
import type { CircuitQueryResult, CircuitSummary } from './discover.js';
import type { SupportGate } from './support.js';

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

/** One reference image of a circuit neuron, cropped to the neuron's region on it. */
export interface CircuitCropImage {
  /** Run image index. */
  index: number;
  /** Path relative to the run's image root. */
  path: string;
  /** The neuron's `top10` activation on the image. */
  act: number;
  /** The neuron's region on the image, in model-input pixels. */
  region: Box;
  /** Run-relative path of the crop (PNG); null when the image could no longer be read. */
  file: string | null;
}

/**
 * RUN/circuits/crops/index.json: for every neuron of any circuit written so far, its top reference
 * images (highest `top10` activation first, ties to the lower index) cropped to its region — the
 * pictures of the HTML reports, as files the explorer serves.
 */
export interface CircuitCropsFile {
  format: 'neurolens-circuit-crops';
  formatVersion: 1;
  /** Side of each square crop in pixels. */
  size: number;
  /** Neurons in layer then channel order. */
  neurons: { layer: string; channel: number; images: CircuitCropImage[] }[];
}

/** Mean and standard deviation over draws or queries. */
export interface MeanSd {
  mean: number;
  sd: number;
}

/** A 95 % percentile-bootstrap interval [low, high]. */
export type Interval = [number, number];

/** A mean over queries with its bootstrap interval. */
export type MeanSdCi = MeanSd & { ci: Interval };

/**
 * Whether a circuit beat random neurons (verdict.ts): from the circuit/random ratio (its interval
 * above 1) when the random drop's interval lies above 0, otherwise from the paired difference
 * circuit − random (its interval above 0), the ratio then withheld with the reason.
 */
export interface CheckVerdict {
  basis: 'ratio' | 'difference';
  pass: boolean;
  /** Why the ratio is not given (basis `difference`). */
  ratioNa?: string;
}

/** A circuit/random ratio with its 95 % interval; null where the random drop's interval reaches 0 (see CheckVerdict). */
export type RatioCi = { value: number; ci: Interval } | null;

/** How neurons are removed: multiplied by 0, or replaced by their dataset mean. */
export type AblationMode = 'zero' | 'mean';

/** A circuit's drop of the predicted logit against random sets of its per-layer sizes, on one query, with its verdict. */
export interface RandomCheck {
  /** Drops with random sets of the same per-layer sizes ablated instead; `ci`: percentile bootstrap of their mean over the draws. */
  random: MeanSd & { ci: Interval; values: number[] };
  /** drop − random (sd: of the draws); its interval follows from the random interval. */
  difference: MeanSdCi;
  /** drop / random mean; null when the random interval reaches 0. */
  ratio: RatioCi;
  verdict: CheckVerdict;
}

/** One circuit ablated alone and kept alone (predicted class), against random sets of its per-layer sizes. */
export interface CircuitCheck extends RandomCheck {
  /** 1 = the largest drop of the predicted logit. */
  rank: number;
  id: string | number;
  neurons: number;
  perLayer: Record<string, number>;
  /** Predicted logit drop with only this circuit ablated. */
  drop: number;
  /**
   * Only the circuit kept in its layers: the logit, the floor (those layers wholly ablated), and
   * retained = (logit − floor) / (original − floor), null when original − floor < 0.1·|original|
   * (the whole layers barely carry the logit); `random`: the retained share of random kept sets.
   */
  completeness: { logit: number; floor: number; retained: number | null; random: MeanSd & { values: number[] } };
}

/** Per-circuit checks summarised over queries. */
export interface PerCircuitSummary {
  /** Queries with at least one circuit, and circuits in all. */
  queries: number;
  circuits: number;
  /** Per query, the mean over its circuits; then over queries. */
  drop: MeanSdCi;
  random: MeanSdCi;
  /** Per query circuit drop − random drop (paired): above 0 with its interval, the circuits beat random. */
  difference: MeanSdCi;
  /** mean drop / mean random drop; null when the random drop's interval reaches 0. */
  ratio: RatioCi;
  /** Whether circuits alone beat random sets over the queries (ratio or difference, see CheckVerdict). */
  verdict: CheckVerdict;
  /** Share of circuits whose drop exceeds their mean random drop. */
  beatsRandom: number;
  /** Share of circuits whose own verdict (against their draws, CircuitCheck.verdict) passes. */
  passes: number;
  /** Over circuits whose completeness is defined (`circuits` of them). */
  completeness: { circuits: number; retained: MeanSdCi; random: MeanSdCi };
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
  /** Union of each query's circuits vs random / outside sets; intervals bootstrap the queries. */
  drop: { circuit: MeanSdCi; random: MeanSdCi; outside: MeanSdCi };
  /** Per query union drop − random drop (paired). */
  difference: MeanSdCi;
  /** mean union drop / mean random drop; null when the random drop's interval reaches 0. */
  ratio: RatioCi;
  /** Whether the union beat random sets over the queries (ratio or difference, see CheckVerdict). */
  verdict: CheckVerdict;
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
  /** Each circuit checked alone (predicted class), ranked by drop; under the primary ablation. */
  circuitChecks?: CircuitCheck[];
  /** The same measures under the other ablation mode (with `--ablation both`). */
  alternate?: { mode: AblationMode; predicted: ClassLogits; true?: ClassLogits | null; circuitChecks: CircuitCheck[] };
}

/** The summary of one ablation mode. */
export interface ModeSummary {
  predicted: ClassSummary;
  true?: ClassSummary;
  /** Each circuit alone, predicted class. */
  perCircuit: PerCircuitSummary;
}

/** RUN/circuits/eval.json. */
export interface CircuitsEvalFile {
  format: 'neurolens-circuits-eval';
  formatVersion: 1;
  run: { fingerprint: string; model: string; images: number };
  protocol: {
    text: readonly string[];
    percentile: number;
    /** The discovery's support gate (support.ts); absent in files written before it existed (no gate). */
    support?: SupportGate;
    seed: number;
    draws: number;
    steps: number;
    factor: number;
    logit: string;
    queries: { sampled: number } | { given: number };
    /** Base name of the labels file, if one was given. */
    labels: string | null;
    batch: string;
    /** The ablation modes measured; the first is primary (the top-level numbers). */
    ablation: { modes: AblationMode[]; text: readonly string[] };
    bootstrap: { resamples: number; level: 0.95; over: 'queries' };
  };
  /** Run image indices of the queries. */
  chosen: number[];
  /** Primary mode at the top level; `alternate` holds the other mode's summary. */
  summary: { queries: number; withCircuits: number; mode: AblationMode; predicted: ClassSummary; true?: ClassSummary; perCircuit: PerCircuitSummary; alternate?: ModeSummary & { mode: AblationMode } };
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
  /** Whether inhibiting the circuit narrows the margin (score > 0): only such a circuit explains the prediction. */
  narrows: boolean;
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
  protocol: { inhibit: string; ablation: AblationMode; stimulate: string; change: string; rank: string; percentile: number; stimulateFactor: number; support?: SupportGate };
  circuits: DiagnosedCircuit[];
  /** What the diagnosis concludes, with its numbers. */
  verdict: {
    /** What a circuit must lower: the margin predicted − target, or the predicted logit (target = predicted). */
    measure: 'margin' | 'predicted';
    /** The unablated margin predicted − target. */
    margin: number;
    circuits: number;
    /** Circuits whose inhibition narrows the measure. */
    narrowing: number;
    /** The circuit that narrows it most; null when none does. */
    best: string | number | null;
    /** Its score, and its share of the margin (null when the margin is not positive). */
    narrowedBy?: number;
    share?: number | null;
    text: string;
  };
}
