/**
 * Public types of attribution (issue 7): which method, what it explains (the target), the map it
 * returns and the Attributor that computes maps and scores perturbed inputs. The evaluation
 * (src/attribution/eval) and the randomisation sanity check only use these interfaces.
 *
 * Images travel as the model's preprocessed input tensor of ONE image (Float32Array of C·H·W
 * values in the model's layout, NCHW or NHWC, normalised as `record` does). Maps are in model-input
 * pixels (H×W, row-major); a larger value means "more important for the target".
 */
import type { Preprocessing } from '../images/types.js';
import type { ModelSummary } from '../onnx/catalogue/index.js';
import type { ModelProto } from '../onnx/types.js';
import type { SessionOptions } from '../runtime/types.js';

/** The name of a registered attribution method (registry.ts: occlusion, rise, ablation-cam, score-cam, cam, …). */
export type AttributionMethod = string;

/**
 * What a map explains:
 *  - `pred`: the class the model predicts on the unmodified image (fixed for all its perturbations);
 *  - `class`: a given class index;
 *  - `neuron`: one neuron's activation (channel of a catalogue layer) averaged over its positions;
 *  - `circuit`: the sum of those averaged activations over a circuit's neurons (a circuits JSON file
 *    written by `neurolens circuits`; `index` picks one of its circuits, default 0).
 */
export type AttributionTarget =
  | { kind: 'pred' }
  | { kind: 'class'; cls: number }
  | { kind: 'neuron'; layer: string; channel: number }
  | { kind: 'circuit'; file: string; index?: number };

/** What class targets are scored by: the raw logit or the softmax probability. */
export type ScoreQuantity = 'logit' | 'probability';

/** An attribution map in model-input pixels, row-major; larger = more important. */
export interface AttributionMap {
  data: Float32Array;
  height: number;
  width: number;
}

/** A target fixed to one image: a function from perturbed inputs to the target's value. */
export interface BoundTarget {
  /** Human-readable, e.g. 'class 8 (heart)', 'neuron layer3.1:17', 'circuit q.json#0 (12 neurons)'. */
  description: string;
  /** The class index, for pred/class targets. */
  cls?: number;
  /** What `score` returns: 'logit'/'probability' for class targets, 'activation' for neuron/circuit targets. */
  quantity: ScoreQuantity | 'activation';
  /** The target's value on the unmodified image. */
  clean: number;
  /**
   * The target's value on each of `count` inputs stored one after another in `inputs` (each C·H·W,
   * laid out like the model input). Split into runs of at most maxBatch; `inputs` is not modified.
   */
  score(inputs: Float32Array, count: number): Promise<Float32Array>;
}

/**
 * Options of the methods, by key; each applies only to the methods that declare it. Each method's
 * file adds its keys (documented there) to this interface next to its option declarations
 * (method.ts), e.g. occlusion.ts: window, stride; rise.ts: masks, cells, keep, seed; fill.ts: fill;
 * cam.ts: layer.
 */
export interface MethodOptions {}

export interface AttributionResult {
  map: AttributionMap;
  method: AttributionMethod;
  target: Omit<BoundTarget, 'score'>;
  /** The options in effect, defaults filled in (recorded in output files). */
  options: MethodOptions;
  /** Forward passes used (images through the model, perturbed or not, or through the gradient graph). */
  passes: number;
  /** Backward passes used (gradient methods: one per image through the gradient graph; 0 otherwise). */
  backward: number;
  /** Gradient methods: the signed input gradient the map was built from, [C, H, W] (method.ts MethodResult). */
  inputGradient?: Float32Array;
  /** Per-image numbers the method reports (integrated-gradients: its completeness error). */
  diagnostics?: Readonly<Record<string, number>>;
}

export interface AttributorOptions extends SessionOptions {
  /** Most images per model run (memory cap for perturbation batches). Default 64. */
  maxBatch?: number;
}

/** What an Attributor needs besides the graph. */
export interface AttributorModel {
  /** The model (possibly with modified weights, e.g. for the randomisation check). */
  model: ModelProto;
  /** Its catalogue (tensor names, token grids; unchanged by weight edits). */
  summary: ModelSummary;
  /** How images become input tensors. */
  preprocessing: Preprocessing;
  /** Class names from the model card, if any. */
  classNames?: readonly string[];
}

/** Computes maps and target scores with one reused instrumented session. */
export interface Attributor {
  readonly preprocessing: Preprocessing;
  /** [H, W] of the model input. */
  readonly inputSize: readonly [number, number];
  /** The preprocessed input tensor (C·H·W values) of an image file, as `record` computes it. */
  loadImage(file: string): Promise<Float32Array>;
  /** Fixes `target` to `image` (resolves 'pred' to the predicted class). */
  bind(image: Float32Array, target: AttributionTarget, quantity?: ScoreQuantity): Promise<BoundTarget>;
  /** One map of `image` for `target` (quantity 'logit' for class targets unless given). */
  attribute(image: Float32Array, method: AttributionMethod, target: AttributionTarget, options?: MethodOptions & { quantity?: ScoreQuantity }): Promise<AttributionResult>;
  close(): Promise<void>;
}
