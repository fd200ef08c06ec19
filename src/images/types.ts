/**
 * Public types of the images area: what a collection listing yields, the model card sidecar, the
 * fully-resolved preprocessing recipe and what decoding returns.
 */

/** An RGB triple. For `background` each value is 0..255; for `mean`/`std` 0..1 units. */
export type Rgb = readonly [number, number, number];

/** Memory order of the image tensor: channels first (PyTorch) or channels last (TensorFlow). */
export type Layout = 'NCHW' | 'NHWC';

/**
 * How an image is brought to the model's H×W:
 * - `'shorter-crop'`: keep the aspect ratio, scale so the image covers (H/cropFraction)×(W/cropFraction)
 *   (for square inputs: the shorter side becomes round(size/cropFraction)), then cut the centre H×W.
 *   This is the usual ImageNet evaluation transform (resize 256, centre-crop 224).
 * - `'stretch'`: resize to exactly H×W, ignoring the aspect ratio.
 */
export type ResizeMode = 'shorter-crop' | 'stretch';

/** Resampling kernel used by sharp when resizing (`'linear'` is bilinear, `'cubic'` Catmull-Rom). */
export type Interpolation = 'nearest' | 'linear' | 'cubic' | 'lanczos3';

/** One image of a collection, as returned by `listImages`. */
export interface ImageEntry {
  /** Absolute path of the file (symlinks are not resolved, so it reads as the user wrote it). */
  readonly path: string;
  /**
   * Path relative to the collection root with POSIX `/` separators; the root is the folder that was
   * walked, or the list file's folder. A list file entry outside that folder reads `../…`.
   */
  readonly relPath: string;
  /** File size in bytes (0 when `missing`). */
  readonly bytes: number;
  /**
   * Set (true) for a list file entry whose file does not exist, and for a symbolic link in a walked
   * folder whose target does not exist. Listing does not fail on it: decoding reports it as a
   * skipped image, so one stale line or broken link does not stop a long run.
   */
  readonly missing?: true;
  /** Set (true) when the entry is a symbolic link whose target does not exist (or that loops). */
  readonly brokenLink?: true;
  /**
   * Modification time (ms since the epoch) when listed; with `bytes` it tells a resumed run which
   * already recorded files may have changed (those are then hashed again). Absent when `missing`.
   */
  readonly mtimeMs?: number;
}

/** Options of `listImages`. */
export interface ListImagesOptions {
  /**
   * File extensions (lower case, without the dot) a folder walk keeps. Defaults to
   * `IMAGE_EXTENSIONS`. Matching ignores case. List files are not filtered by extension.
   */
  readonly extensions?: readonly string[];
}

/**
 * The model card: an optional JSON sidecar next to the model (`foo.onnx` → `foo.json`) that says how
 * the model was trained to see images. Every field is optional; fields the model itself declares
 * (a static input size, the layout) need not be repeated. Unknown fields (training notes, dataset,
 * accuracy…) are kept as they are and never interpreted.
 *
 * @example
 * { "name": "resnet18", "inputSize": 224, "mean": [0.485, 0.456, 0.406],
 *   "std": [0.229, 0.224, 0.225], "classNames": ["tench", "goldfish"], "resize": "shorter-crop",
 *   "cropFraction": 0.875, "interpolation": "linear", "layout": "NCHW", "background": [255, 255, 255] }
 */
export interface ModelCard {
  /** Display name of the model (reports use it instead of the file name). */
  readonly name?: string;
  /** Model input size in pixels: `[height, width]`, or one number for a square input. */
  readonly inputSize?: number | readonly [number, number];
  /** Per-channel mean subtracted after scaling pixels to 0..1 (one value for 1-channel models). */
  readonly mean?: readonly number[];
  /** Per-channel standard deviation divided by after subtracting `mean`, 0..1 units, each > 0. */
  readonly std?: readonly number[];
  /** Class label of each output index, in output order. */
  readonly classNames?: readonly string[];
  /** How images are brought to the input size (see `ResizeMode`). */
  readonly resize?: ResizeMode;
  /**
   * For `'shorter-crop'`: the fraction of the scaled image the centre crop keeps, in (0, 1].
   * The shorter side is scaled to round(size / cropFraction) before cropping; 1 means no margin.
   */
  readonly cropFraction?: number;
  /** Resampling kernel for resizing. */
  readonly interpolation?: Interpolation;
  /** Tensor memory order; needed only when the model's shape does not make it obvious. */
  readonly layout?: Layout;
  /** Colour (0..255 RGB) that transparent pixels are composited onto. */
  readonly background?: Rgb;
  /** Any other field is kept verbatim (for the run manifest) and not interpreted. */
  readonly [extra: string]: unknown;
}

/** The model's image input as ONNX declares it. */
export interface ModelImageInput {
  /** Input name (used in messages). */
  readonly name: string;
  /** Declared shape; a string (symbolic) or undefined entry is a dynamic dimension. */
  readonly dims: readonly (number | string | undefined)[];
  /** ONNX element type name, e.g. `'float32'`, `'uint8'`. Only `'float32'` is accepted. */
  readonly elemType: 'float32' | (string & {});
}

/**
 * Values given on the command line (or by a library caller) that win over the model card and the
 * model's declared shape. Every field is optional and has the meaning of the `ModelCard` field of
 * the same name.
 */
export interface PreprocessingOverrides {
  /** Input size: `[height, width]` or one number for square (the CLI's `--size`). */
  readonly size?: number | readonly [number, number];
  /** Per-channel mean, 0..1 units (`--mean`). */
  readonly mean?: readonly number[];
  /** Per-channel standard deviation, 0..1 units, each > 0 (`--std`). */
  readonly std?: readonly number[];
  /** Resize mode (`--resize`). */
  readonly resize?: ResizeMode;
  /** Centre-crop fraction in (0, 1] (`--crop-fraction`). */
  readonly cropFraction?: number;
  /** Resampling kernel (`--interpolation`). */
  readonly interpolation?: Interpolation;
  /** Tensor layout (`--layout`). */
  readonly layout?: Layout;
  /** Background for transparent pixels, 0..255 RGB (`--background`). */
  readonly background?: Rgb;
  /** Largest accepted image, in pixels (width × height); a decompression-bomb guard (`--max-pixels`). */
  readonly maxPixels?: number;
}

/** Where `resolvePreprocessing` found its inputs, so its messages can name the right file. */
export interface PreprocessingContext {
  /** Path of the .onnx model; the messages name its sidecar (`modelCardPath(modelPath)`). */
  readonly modelPath?: string;
}

/**
 * The fully-resolved preprocessing recipe: a plain JSON-serialisable object that is written into
 * the run manifest, so a run can be reproduced exactly. Produced by `resolvePreprocessing`.
 */
export interface Preprocessing {
  /** Tensor height in pixels. */
  readonly height: number;
  /** Tensor width in pixels. */
  readonly width: number;
  /** 3 for RGB; 1 for greyscale models (images are converted to grey). */
  readonly channels: 1 | 3;
  /** Tensor memory order. */
  readonly layout: Layout;
  /** Resize mode. */
  readonly resize: ResizeMode;
  /** Centre-crop fraction in (0, 1] (used by `'shorter-crop'` only). */
  readonly cropFraction: number;
  /** Resampling kernel. */
  readonly interpolation: Interpolation;
  /** Per-channel mean (length `channels`), 0..1 units. */
  readonly mean: readonly number[];
  /** Per-channel standard deviation (length `channels`), 0..1 units, > 0. */
  readonly std: readonly number[];
  /** 0..255 RGB colour transparent pixels are flattened onto. */
  readonly background: Rgb;
  /** Images with more pixels than this are refused before decoding (decompression bombs). */
  readonly maxPixels: number;
}

/** Options of `decodeImage`. */
export interface DecodeOptions {
  /** How messages name the file (e.g. its `relPath`); defaults to the path passed in. */
  readonly displayPath?: string;
  /**
   * How to get past the pixel limit, for commands without a `--max-pixels` option (their limit is
   * the recorded run's). Default: raise it with --max-pixels.
   */
  readonly pixelLimitAdvice?: string;
  /**
   * Write the tensor here instead of a new array, e.g. `batch.subarray(i * n, (i + 1) * n)` so the
   * recorder fills its batch tensor in place (no per-image allocation or copy). Its length must
   * be `channels × height × width`; `DecodedImage.data` is then this same array. It is left
   * untouched when decoding fails.
   */
  readonly into?: Float32Array;
}

/** One decoded, model-ready image. */
export interface DecodedImage {
  /** channels × height × width floats in `prep.layout` order, normalised with `prep.mean`/`prep.std`. */
  readonly data: Float32Array;
  /** Width of the ORIGINAL image in pixels, after EXIF orientation (not the tensor width). */
  readonly width: number;
  /** Height of the ORIGINAL image in pixels, after EXIF orientation (not the tensor height). */
  readonly height: number;
  /** Lower-case hex SHA-256 of the file bytes (identifies the image independent of its path). */
  readonly sha256: string;
}
