/** Public types of feature visualisation by optimisation (`neurolens visualize`). */

export interface VisualizeOptions {
  /** The .onnx model the run was recorded with (its sha256 must match the run's). */
  model: string;
  /** A finished RUN directory (from `neurolens record`); the visualisations are written into it. */
  run: string;
  /** Layer ids or tensor names of the run. Default: every recorded layer. */
  layers?: readonly string[];
  /** Neuron (channel or token-unit) indices, the same for every layer. Default: every neuron of each layer. */
  neurons?: readonly number[];
  /** Optimisation steps per neuron. Default VISUALIZE_DEFAULTS.steps. */
  steps?: number;
  /** Adam learning rate on the spectrum parameters. Default VISUALIZE_DEFAULTS.rate. */
  rate?: number;
  /** Seed of the initial images and the random transformations. Default 0. */
  seed?: number;
  /** Neurons optimised together, one batch row each. Default VISUALIZE_DEFAULTS.batch. */
  batch?: number;
  /** Largest random shift in pixels per step. Default: 1/32 of the image side, at least 1. */
  jitter?: number;
  /** Largest random rotation in degrees per step. Default VISUALIZE_DEFAULTS.rotate. */
  rotate?: number;
  /** Random scale factor range half-width: scale in [1 − s, 1 + s]. Default VISUALIZE_DEFAULTS.scale. */
  scale?: number;
  /** Images per neuron optimised together with the diversity term; 1 (default): one image, no term. */
  diversity?: number;
  /** λ of the diversity term (mean pairwise Gram cosine). Default VISUALIZE_DEFAULTS.diversityWeight. */
  diversityWeight?: number;
  /** onnxruntime intra-op threads. */
  threads?: number;
  /** Execution provider of every session this opens: 'cpu' (default) or 'cuda' (see SessionOptions). */
  executionProvider?: 'cpu' | 'cuda';
}

export interface VisualizeProgress {
  layer: string;
  /** Neuron-steps done and to do in this layer. */
  done: number;
  total: number;
}

export interface VisualizeHooks {
  onProgress?: (progress: VisualizeProgress) => void;
  /** Neurons finished (their images written and checked) and to do, over every layer of the call. */
  onNeuron?: (done: number, total: number) => void;
  onStep?: (message: string) => void;
}

/** One neuron's entry in the layer's visualize.json. */
export interface VisualizedNeuron {
  neuron: number;
  /** Run-relative path of its PNG. */
  image: string;
  /** Its mean activation over positions on the saved (8-bit) PNG. */
  activation: number;
  /** Its best dataset image in the same pooling: run image index, path and activation. */
  best: { index: number; path: string; activation: number };
  /** activation ≥ best.activation. */
  pass: boolean;
  /** With --diversity k > 1: the neuron's other k − 1 images and how alike the k are. */
  diversity?: {
    /** Images 1 … k−1 (image 0 is the fields above), each with its own check against best.activation. */
    images: { image: string; activation: number; pass: boolean }[];
    /** Mean pairwise cosine similarity of the k saved PNGs' Gram matrices at this layer: 1 = same style, lower = more different. */
    gramCosine: number;
  };
}

/** RUN/visualize/<layer>/visualize.json. */
export interface VisualizeLayerFile {
  format: 'neurolens-visualize';
  formatVersion: 1;
  layer: string;
  tensor: string;
  /** The pooling of both activations compared: always 'mean' (over positions). */
  pooling: 'mean';
  /** diversity and diversityWeight appear only when --diversity > 1. */
  settings: { steps: number; rate: number; seed: number; jitter: number; rotate: number; scale: number; diversity?: number; diversityWeight?: number };
  neurons: VisualizedNeuron[];
  passed: number;
  /** passed / neurons. */
  share: number;
  /** Neurons whose visualisation (image 0) stayed below their best image. */
  failed: number[];
}

export interface VisualizeResult {
  layers: VisualizeLayerFile[];
  /** Run-relative paths written. */
  files: string[];
  passed: number;
  total: number;
  seconds: number;
}
