/**
 * Types of the attribution-map evaluation (issue 7, item 2): perturbation curves (pixel flipping,
 * deletion, insertion), their areas, the random-map baseline and the cascading-randomisation
 * sanity check. Everything here is plain JSON-serialisable data, written into eval.json.
 */
import type { AttributionMethod, AttributionTarget, MethodOptions, ScoreQuantity } from '../types.js';

/** What fills removed units: 'mean' (the image's mean colour), 'blur' (a blurred copy) or 'zero' (input tensor 0). */
export type BaselineKind = 'mean' | 'blur' | 'zero';
export const BASELINE_KINDS: readonly BaselineKind[] = ['mean', 'blur', 'zero'];

/**
 * The perturbation curves:
 *  - `morf`: pixel flipping, most relevant units first replaced by the pixel-flipping baseline;
 *  - `lerf`: pixel flipping, least relevant units first;
 *  - `deletion`: MoRF order with the deletion baseline (RISE);
 *  - `insertion`: start from the insertion baseline, restore original units in MoRF order (RISE).
 */
export type CurveKind = 'morf' | 'lerf' | 'deletion' | 'insertion';
export const CURVE_KINDS: readonly CurveKind[] = ['morf', 'lerf', 'deletion', 'insertion'];

/** How a curve's raw values became its y values: y = (raw − offset) / scale. */
export interface Normalisation {
  /** 'ratio': raw / clean; 'range': (raw − end) / (clean − end); 'shift': raw − end (degenerate range). */
  rule: 'ratio' | 'range' | 'shift';
  offset: number;
  scale: number;
}

/** One curve: x = k/S, y normalised, raw = the target's value. */
export interface Curve {
  x: number[];
  y: number[];
  raw: number[];
}

/** Areas of one curve. */
export interface CurveArea {
  /** Trapezoid area under the normalised curve over x ∈ [0, 1]. */
  auc: number;
  /** Trapezoid area under the raw curve (the target's own units) over x ∈ [0, 1]. */
  rawAuc: number;
}

/** One step of the cascading randomisation: similarity of the randomised model's map to the original map. */
export interface SanityStep {
  /** Number of parameterised layers re-initialised, counted from the output. */
  step: number;
  /** The node names of the layers re-initialised at this step (cumulative, output first). */
  layers: string[];
  /** Spearman rank correlation of the maps (average ranks for ties). */
  spearman: number;
  /** Spearman rank correlation of |map|. */
  spearmanAbs: number;
  /** Pearson correlation of |map|. */
  pearsonAbs: number;
}

/** Evaluation of one map (one image × method). */
export interface MapEvaluation {
  curves: Partial<Record<CurveKind, Curve>>;
  areas: Partial<Record<CurveKind, CurveArea>>;
  /** Area between the perturbation curves AUC(LeRF) − AUC(MoRF) (normalised); higher = better map. Present when both curves were run. */
  abpc?: number;
  /** Mean areas over the random maps ('morf' also stands for LeRF: see the protocol). */
  random?: Partial<Record<CurveKind, CurveArea>>;
  /** The smoothness-matched random baseline of this map (with random maps; see smooth-random.ts). */
  smoothRandom?: SmoothRandomEvaluation;
  /** Cascading randomisation (with --sanity). */
  sanity?: SanityStep[];
}

/** A map's smoothness-matched random baseline. */
export interface SmoothRandomEvaluation {
  /** k of the k×k grid the random values were drawn on before bilinear upsampling. */
  grid: number;
  /** The map's unit autocorrelation (correlation of adjacent units' MoRF rank positions) that chose the grid. */
  autocorrelation: number;
  /** Mean areas over the smooth random maps ('morf' also stands for LeRF, as for the scattered maps). */
  areas: Partial<Record<CurveKind, CurveArea>>;
}

/** Per image: what was explained and each method's evaluation. */
export interface ImageEvaluation {
  /** Image path relative to the image source (its listing relPath). */
  image: string;
  /** The bound target's description, e.g. 'class 8 (heart)'. */
  target: string;
  /** Class of pred/class targets. */
  cls?: number;
  /** The target's value on the unmodified image (the k = 0 score of the evaluation batch). */
  clean: number;
  /** Normalisation of each curve family (every map of this image shares it). */
  normalisation: Partial<Record<CurveKind, Normalisation>>;
  methods: Partial<Record<AttributionMethod, MapEvaluation>>;
}

/** Mean ± sample standard deviation (n − 1; null below 2 values). */
export interface Stat {
  mean: number;
  std: number | null;
  n: number;
}

/** Aggregates of one method over the images. */
export interface MethodAggregate {
  auc: Partial<Record<CurveKind, Stat>>;
  rawAuc: Partial<Record<CurveKind, Stat>>;
  abpc?: Stat;
  random?: Partial<Record<CurveKind, Stat>>;
  /** Mean normalised curves (x = k/S) of the method's maps and of the random maps. */
  meanCurves: Partial<Record<CurveKind, number[]>>;
  randomMeanCurves?: Partial<Record<CurveKind, number[]>>;
  sanity?: { step: number; layers: string[]; spearman: Stat; spearmanAbs: Stat; pearsonAbs: Stat }[];
  /** Mean areas of the smoothness-matched random maps (each image's map matched to its own grid). */
  smoothRandom?: Partial<Record<CurveKind, Stat>>;
  /**
   * Mean normalised curves of the smoothness-matched random maps: per image, the mean over the maps
   * of the grid that image's map was matched to, then the mean over the images (as randomMeanCurves).
   */
  smoothRandomMeanCurves?: Partial<Record<CurveKind, number[]>>;
  /** How many images' maps were matched to each grid k (key: k as a string). */
  smoothGrids?: Record<string, number>;
  /** The maps' unit autocorrelation over the images. */
  autocorrelation?: Stat;
  /** Whether the maps beat the random baselines on MoRF and deletion (with random maps). */
  checks?: MethodChecks;
}

/** One curve's comparison with the random baselines (mean AUCs over the images; lower is better). */
export interface RandomComparison {
  /** The method's mean AUC. */
  auc: number;
  /** The scattered random maps' mean AUC. */
  random: number;
  /** auc < random: the check passes. */
  belowRandom: boolean;
  /** The smoothness-matched random maps' mean AUC. */
  smoothRandom?: number;
  /** auc < smoothRandom. */
  belowSmoothRandom?: boolean;
}

/** The faithfulness checks of one method against the random baselines. */
export interface MethodChecks {
  /** MoRF (pixel flipping, most relevant first) against random; present when MoRF was run. */
  morf?: RandomComparison;
  /** Deletion against random; present when deletion was run. */
  deletion?: RandomComparison;
  /**
   * True when the MoRF or deletion AUC is not below the scattered random map's: the map is "less
   * faithful than random on this model" and is shown as failing, never as a good map.
   */
  lessFaithfulThanRandom: boolean;
  /** One line: which comparison failed with the numbers, and what the smooth-matched comparison says (failing checks only). */
  reason?: string;
}

/** The whole eval.json. */
export interface EvalResult {
  format: 'neurolens-attribution-eval';
  formatVersion: 1;
  protocol: Record<string, unknown>;
  model: { file: string; sha256: string };
  methods: AttributionMethod[];
  images: ImageEvaluation[];
  aggregate: Partial<Record<AttributionMethod, MethodAggregate>>;
  /** Images that could not be decoded, with the reason. */
  skipped: { path: string; reason: string }[];
}

/** Options of {@link evaluateAttributions}. */
export interface EvalAttributionsOptions {
  /** The .onnx model. */
  model: string;
  /** Image folder, list file or one image (as `record` lists them). */
  images: string;
  /** Methods whose maps are evaluated (at least one). */
  methods: readonly AttributionMethod[];
  /** What the maps explain, or its `--target` spelling (class names need the model card). Default { kind: 'pred' }. */
  target?: AttributionTarget | string;
  /** An `attribute` output folder with NAME.METHOD.npy maps to evaluate instead of computing them. */
  maps?: string;
  /** Curve points after k = 0: k = 0…steps. Default 20. */
  steps?: number;
  /** Side of the square units (patches) the map is averaged over; 1 = pixels. Default 4. */
  unit?: number;
  /** Pixel-flipping (MoRF/LeRF) baseline. Default 'mean'. */
  baseline?: BaselineKind;
  /** Deletion baseline. Default 'zero' (RISE removes pixels to a constant; input tensor 0 is the normalisation mean colour). */
  deletionBaseline?: BaselineKind;
  /** Insertion start image. Default 'blur' (RISE). */
  insertionBaseline?: BaselineKind;
  /** Curves to compute. Default all four. */
  curves?: readonly CurveKind[];
  /** Quantity scored for class targets. Default 'probability'. */
  quantity?: ScoreQuantity;
  /** Seeded uniform random maps per image for the random baseline, and as many smoothness-matched ones per grid in use (0 = none). Default 1. */
  randomMaps?: number;
  /** Run the cascading model-randomisation sanity check. Default false. */
  sanity?: boolean;
  /** Most cascade steps (layers spread evenly when there are more). Default 8. */
  sanitySteps?: number;
  /** Seed of random maps and randomised weights. Default 0. */
  seed?: number;
  /** Evaluate only the first N images (listing order). */
  limit?: number;
  /** Output folder (eval.json, eval.md, PNG charts). */
  out: string;
  /** Options of the methods (occlusion window, RISE masks, CAM layer…) when maps are computed. */
  methodOptions?: MethodOptions;
  /** Quantity the maps are computed on for class targets (the Attributor's default when absent). */
  mapQuantity?: ScoreQuantity;
  /** onnxruntime intra-op threads. */
  threads?: number;
  /** Most images per model run. Default: the Attributor's (64). */
  maxBatch?: number;
  /** 'cpu' (default) or 'cuda'. */
  device?: 'cpu' | 'cuda';
  /** Skip writing the PNG charts (tests; the JSON is unaffected). Default false. */
  noCharts?: boolean;
}

/** Progress of {@link evaluateAttributions}. */
export interface EvalProgress {
  /** 'maps+curves' (per image) or 'sanity' (per cascade step × image). */
  phase: string;
  done: number;
  total: number;
  /** Images (or cascade items) per second so far in this phase. */
  rate?: number;
}

/** Callbacks of {@link evaluateAttributions}; the library never prints. */
export interface EvalHooks {
  onProgress?: (progress: EvalProgress) => void;
  /** One-line warnings (an image that cannot be decoded is skipped). */
  onWarning?: (message: string) => void;
  /** Stops before the next image (a worker cancelling a job). */
  signal?: AbortSignal;
}
