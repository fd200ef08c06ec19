/** The layer catalogue's public types (see docs/catalogue.md for the rules behind each field). */

export type LayerKind = 'feature' | 'tokens' | 'vector';

/** Axis order of a feature map: channels first [N,C,H,W] or channels last [N,H,W,C]. */
export type FeatureLayout = 'NCHW' | 'NHWC';

export interface TokenLayout {
  /** Number of tokens T. */
  count: number;
  /** Leading tokens that are not image patches (class/register tokens): T − h·w. 0 when the grid is unknown. */
  prefix: number;
  /** Patch grid [h, w], or null when it could not be determined. */
  grid: [number, number] | null;
}

export interface LayerInfo {
  /** Readable unique id from node names, e.g. 'layer3.1' (a ResNet block output), 'blocks.5.mlp.act'. */
  id: string;
  /** Tensor name in the graph. */
  tensor: string;
  /** 'feature' = [N,C,H,W] (or [N,H,W,C], see layout); 'tokens' = [N,T,D]; 'vector' = [N,D] or [N,C,1,1]. */
  kind: LayerKind;
  /**
   * Feature maps only: where the channel axis is. Absent means 'NCHW'; 'NHWC' for channels-last
   * maps (Swin stages, ConvNeXt block internals, Keras exports), whose neurons are the last axis.
   */
  layout?: FeatureLayout;
  /** Number of neurons: C for feature maps, D for tokens and vectors. */
  channels: number;
  /** Feature maps only: [H, W]. */
  spatial?: [number, number];
  /** Token tensors only. */
  tokens?: TokenLayout;
  /** Id of the block this tensor belongs to (e.g. 'layer3.1'); a block's output has the block's id as its id. */
  block: string;
  /** Type of the op producing the tensor ('Relu', 'Mul' for a written-out GELU, …). */
  op: string;
  /** Whether the layer is analysed by default. */
  isDefault: boolean;
  /** Position of the producing node in topological order; the catalogue is sorted by it. */
  index: number;
}

export interface TensorSpec {
  name: string;
  /** Numbers for fixed dims, strings for symbolic ones (e.g. 'batch'). */
  dims: (number | string)[];
  /** onnxruntime element type, e.g. 'float32'. */
  elemType: string;
}

export interface ModelSummary {
  /** The image input: the first graph input that is not an initializer. */
  input: TensorSpec;
  outputs: TensorSpec[];
  /** Last dim of the first 2-D output, if any. */
  numClasses: number | null;
  layers: LayerInfo[];
  /** Things worth knowing about the catalogue: a fallback default rule, an unknown token grid, the input size used. */
  notes: string[];
}

export interface CatalogueOptions {
  /**
   * [height, width] of the images; required when the model's input has a variable height/width
   * (layer sizes depend on it), and must match the model when its size is fixed.
   */
  inputSize?: [number, number];
  /**
   * The model's encoded bytes, if the caller has them and they are self-contained (no external
   * data files). The shape probe then appends its outputs to these bytes instead of re-encoding
   * the model — cheaper for large models. Falls back to encoding `model` if they cannot be loaded.
   */
  onnxBytes?: Uint8Array;
}
