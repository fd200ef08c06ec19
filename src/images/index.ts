/** Public API of the images area: list a collection, read the model card, resolve and decode. */
export { listImages } from './list.js';
export { loadModelCard, modelCardPath, parseModelCard } from './sidecar.js';
export { checkBatchDim, resolvePreprocessing } from './preprocessing.js';
export { decodeImage } from './decode.js';
export { planResize, type Region, type ResizePlan } from './geometry.js';
export { normalisationCoefficients, pixelsToTensor } from './normalise.js';
export { decodeConcurrency, tuneDecoding, type AppliedDecodingTuning, type DecodingTuning } from './tuning.js';
export { INTERPOLATIONS, LAYOUTS, RESIZE_MODES } from './fields.js';
export {
  DEFAULT_BACKGROUND,
  DEFAULT_CROP_FRACTION,
  DEFAULT_INTERPOLATION,
  DEFAULT_MAX_PIXELS,
  DEFAULT_RESIZE,
  GREY_MEAN,
  GREY_STD,
  IMAGE_EXTENSIONS,
  IMAGENET_MEAN,
  IMAGENET_STD,
} from './defaults.js';
export type {
  DecodedImage,
  DecodeOptions,
  ImageEntry,
  Interpolation,
  Layout,
  ListImagesOptions,
  ModelCard,
  ModelImageInput,
  Preprocessing,
  PreprocessingContext,
  PreprocessingOverrides,
  ResizeMode,
  Rgb,
} from './types.js';
