/** Types of unit correction (`neurolens edit`): which neurons to scale, and what the edit reports. */
import type { PreprocessingOverrides } from '../images/types.js';
import type { LayerKind } from '../onnx/catalogue/index.js';
import type { SessionOptions } from '../runtime/types.js';

/** One neuron as the user names it: a layer (catalogue id or tensor name) and a channel. */
export interface NeuronSpec {
  /** Catalogue layer id (e.g. 'layer3.1') or the layer's tensor name. */
  layer: string;
  /** Channel index (0-based; the D index for token and vector layers). */
  channel: number;
}

/** A layer of the edit, resolved against the model's catalogue. */
export interface EditedLayer {
  /** Catalogue layer id. */
  id: string;
  /** Tensor name in the graph. */
  tensor: string;
  /** 'feature' [N,C,H,W], 'tokens' [N,T,D] or 'vector' [N,D] / [N,C,1,1]. */
  kind: LayerKind;
  /** Neurons in the layer. */
  channels: number;
  /** Channels scaled, ascending, each once. */
  edited: number[];
  /** Dims of the baked scale tensor: one value per channel, broadcast over the other axes. */
  maskDims: number[];
}

/** Progress of a long step (evaluation), for the CLI's progress bar. */
export interface EditProgress {
  /** 'eval' while images go through both models. */
  phase: string;
  /** Images done. */
  done: number;
  /** Images in all. */
  total: number;
  /** Images skipped so far (undecodable). */
  skipped?: number;
}

/** Options of the evaluation of an edit on a labelled image set (`--eval`). */
export interface EvalOptions {
  /** Labels file: CSV with a `path,label` header, or JSONL `{"path","label"}`; label = class index or model-card class name. */
  labels: string;
  /** Folder relative image paths are resolved against. Default: the labels file's folder. */
  imagesRoot?: string;
  /** Images per inference batch (both models). Default 32. */
  batch?: number;
}

/** Options of {@link editModel}. */
export interface EditOptions extends SessionOptions {
  /** The ONNX model to edit (not modified). */
  model: string;
  /** Neurons to scale: `LAYER:C[,LAYER:C…]` as the CLI takes it, or the parsed list. */
  ablate: string | readonly NeuronSpec[];
  /** Factor every listed neuron is multiplied by. Default 0 (zeroed). */
  scale?: number;
  /** Path of the edited model; must end in .onnx and differ from `model`. Its model card goes next to it. */
  out: string;
  /** Input size [height, width] for models with dynamic height/width (else the model card's inputSize). */
  inputSize?: [number, number];
  /** Also compare the original and the edited model on a labelled image set (writes `<out>.eval.json`). */
  eval?: EvalOptions;
  /** Preprocessing overrides for the evaluation (default: the model card's, as `record` resolves them). */
  preprocessing?: PreprocessingOverrides;
  /** Called as evaluation batches finish. */
  onProgress?: (progress: EditProgress) => void;
  /** Called with one-line warnings (skipped images). */
  onWarning?: (message: string) => void;
}

/** Accuracy of one class present in the labels, before and after the edit. */
export interface ClassAccuracy {
  /** Class index. */
  class: number;
  /** Class name from the model card, when it has one. */
  name?: string;
  /** Evaluated images of this class. */
  n: number;
  /** Accuracy of the original model on them. */
  before: number;
  /** Accuracy of the edited model on them. */
  after: number;
  /** after − before. */
  change: number;
}

/** One evaluated image. */
export interface ImageComparison {
  /** Path as the labels file writes it. */
  path: string;
  /** True class. */
  label: number;
  /** Top-1 class of the original model (ties: lowest index). */
  before: number;
  /** Top-1 class of the edited model. */
  after: number;
  /** True-class logit of the original model. */
  trueBefore: number;
  /** True-class logit of the edited model. */
  trueAfter: number;
}

/** The comparison of the original and edited model on a labelled set (`<out>.eval.json`). */
export interface EditEvaluation {
  /** Labels file name (base name, so the file does not depend on where the set lives). */
  labels: string;
  /** Output compared (the model's first). */
  output: string;
  /** Images evaluated (decoded). */
  n: number;
  /** Images left out, with the reason (undecodable or missing). */
  skipped: { path: string; reason: string }[];
  /** Top-1 accuracy before and after, and the change (after − before). */
  accuracy: { before: number; after: number; change: number };
  /** Images whose top-1 class differs between the two models. */
  predictionsChanged: number;
  /** Logit changes (after − before): mean |Δ| of the true class, mean |Δ| over every class, mean Δ of the true class. */
  logits: { meanAbsDeltaTrue: number; meanAbsDeltaAll: number; meanDeltaTrue: number };
  /** Per class present in the evaluated images, ascending class index. */
  perClass: ClassAccuracy[];
  /** Per image, in labels-file order. */
  images: ImageComparison[];
}

/** What {@link editModel} did. */
export interface EditResult {
  /** Absolute path of the edited model. */
  out: string;
  /** Absolute path of its model card (always written: a copy of the source card plus an `edit` note). */
  card: string;
  /** The factor applied. */
  scale: number;
  /** The edited layers, in graph order. */
  layers: EditedLayer[];
  /** Neurons scaled in all. */
  neurons: number;
  /** sha256 of the source model file. */
  sourceSha256: string;
  /** sha256 of the written model. */
  sha256: string;
  /** Bytes written. */
  bytes: number;
  /** The evaluation, when `eval` was given. */
  evaluation?: EditEvaluation;
  /** Where the evaluation was written (`<out without .onnx>.eval.json`). */
  evalPath?: string;
}
