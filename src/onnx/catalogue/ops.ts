/**
 * Op-type families the catalogue reasons with. Op types are matched by name whatever their domain,
 * so contrib ops with standard names (com.microsoft Gelu, FastGelu, …) fall in the right family.
 */

/** Ops that make spatial feature maps: the start of the convolutional ("spatial") domain. */
export const CONV_OPS = new Set(['Conv', 'ConvTranspose', 'ConvInteger', 'QLinearConv', 'DeformConv', 'NhwcConv', 'FusedConv']);

/** Products of a tensor with a matrix; a linear layer when one side is a weight, attention when both are computed. */
export const MATMUL_OPS = new Set(['MatMul', 'Gemm', 'Einsum', 'MatMulInteger', 'QLinearMatMul', 'FusedMatMul']);

/**
 * Ops that move, select, copy or reinterpret values without computing new ones. Their outputs are
 * never layers (they would repeat, or re-arrange, neurons listed elsewhere) — except Concat of
 * feature maps, see SPATIAL_LAYOUT_OPS.
 */
export const LAYOUT_OPS = new Set([
  'Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze', 'Concat', 'ConcatFromSequence', 'Split', 'SplitToSequence',
  'Slice', 'Gather', 'GatherElements', 'GatherND', 'Expand', 'Tile', 'Pad', 'Identity', 'Dropout', 'Cast', 'CastLike',
  'DepthToSpace', 'SpaceToDepth', 'Resize', 'Upsample', 'ScatterND', 'ScatterElements', 'Scatter', 'Compress', 'ReverseSequence',
  'Optional', 'OptionalGetElement', 'SequenceAt', 'SequenceConstruct', 'If', 'Loop', 'Scan',
]);

/**
 * Layout ops that keep a feature map a feature map (same [N,C,H,W] meaning, possibly resized or
 * channel-sliced): the spatial domain continues through them. Reshape/Flatten/Transpose/Squeeze
 * /Unsqueeze/Gather leave it. Concat of feature maps (DenseNet, Inception) is itself a layer.
 */
export const SPATIAL_LAYOUT_OPS = new Set([
  'Concat', 'Split', 'Slice', 'Pad', 'Identity', 'Dropout', 'Cast', 'CastLike', 'Resize', 'Upsample', 'DepthToSpace',
  'SpaceToDepth', 'Expand', 'Tile',
]);

/** Compute ops whose outputs are not neuron layers: probabilities, indices, masks, shapes. */
export const NOT_LAYER_OPS = new Set([
  'Softmax', 'LogSoftmax', 'ArgMax', 'ArgMin', 'TopK', 'NonZero', 'NonMaxSuppression', 'Shape', 'Size', 'Range',
  'Equal', 'Greater', 'GreaterOrEqual', 'Less', 'LessOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf', 'Where',
  'RandomNormalLike', 'RandomUniformLike', 'Bernoulli', 'Multinomial', 'ConstantOfShape', 'EyeLike', 'Unique',
]);

/** Ops whose outputs are static even though an input is computed: they only read its shape. */
export const SHAPE_ONLY_OPS = new Set(['Shape', 'Size']);

/** Single-op activation functions. */
export const ACTIVATION_OPS = new Set([
  'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Clip', 'HardSigmoid', 'HardSwish', 'Sigmoid', 'Tanh', 'Softplus',
  'Softsign', 'Mish', 'Gelu', 'FastGelu', 'BiasGelu', 'QuickGelu', 'ThresholdedRelu', 'Swish', 'Shrink',
]);

/** Single-op GELUs: the ONNX op (opset 20) and onnxruntime's contrib ops. */
export const GELU_OPS = new Set(['Gelu', 'FastGelu', 'BiasGelu', 'QuickGelu']);

/**
 * Ops that may make up a composite elementwise function of one tensor (GELU written as
 * Div/Erf/Add/Mul, SiLU as x·sigmoid(x), a LayerNorm written out with ReduceMean, …).
 */
export const PATTERN_OPS = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Erf', 'Tanh', 'Sigmoid', 'HardSigmoid', 'Softplus', 'Exp', 'Log', 'Neg', 'Abs',
  'Reciprocal', 'Relu', 'Clip', 'Min', 'Max', 'LeakyRelu', 'Elu', 'Softsign', 'ReduceMean', 'Cast',
]);

/** Ops that join computed tensors: residual sums and feature concatenations. */
export const MERGE_OPS = new Set(['Add', 'Sum', 'Concat']);

/** Ops that add a bias to a linear op's output; the biased tensor is the layer, not the raw product. */
export const BIASED_OPS = new Set(['MatMul', 'Gemm', 'Conv', 'ConvTranspose', 'FusedMatMul']);
