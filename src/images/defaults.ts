/** Defaults of the images area, in one place so the CLI help and the docs can quote them. */
import type { Interpolation, ResizeMode, Rgb } from './types.js';

/**
 * Extensions a folder walk keeps (lower case, matched case-insensitively). All are formats the
 * prebuilt sharp decodes, with two deliberate calls:
 * - `heic`/`heif` are listed although the prebuilt sharp reads only AVIF-coded HEIF: an iPhone
 *   photo then shows up as a skipped image with a "convert it" reason instead of vanishing silently.
 * - `svg` is left out: vector drawings are rarely photos a vision model was trained on, and
 *   rasterising them depends on a density choice. An SVG named in a list file still decodes.
 * - `bmp` is left out because sharp cannot read it.
 */
export const IMAGE_EXTENSIONS: readonly string[] = Object.freeze([
  'avif', 'gif', 'heic', 'heif', 'jfif', 'jpe', 'jpeg', 'jpg', 'png', 'tif', 'tiff', 'webp',
]);

/** ImageNet channel means (RGB, 0..1 units): the convention of torchvision and timm models. */
export const IMAGENET_MEAN: Rgb = Object.freeze([0.485, 0.456, 0.406] as const);
/** ImageNet channel standard deviations (RGB, 0..1 units). */
export const IMAGENET_STD: Rgb = Object.freeze([0.229, 0.224, 0.225] as const);
/** Mean for 1-channel (greyscale) models: maps 0..1 to -1..1 together with `GREY_STD`. */
export const GREY_MEAN = 0.5;
/** Standard deviation for 1-channel (greyscale) models. */
export const GREY_STD = 0.5;
/** Default resize mode: the ImageNet evaluation transform. */
export const DEFAULT_RESIZE: ResizeMode = 'shorter-crop';
/** Default centre-crop fraction: 224 of 256, as in the ImageNet evaluation transform. */
export const DEFAULT_CROP_FRACTION = 0.875;
/** Default resampling kernel (bilinear, as torchvision's default). */
export const DEFAULT_INTERPOLATION: Interpolation = 'linear';
/** Default background for transparent pixels: white, as most viewers show them. */
export const DEFAULT_BACKGROUND: Rgb = Object.freeze([255, 255, 255] as const);
/**
 * Default pixel limit: 100 megapixels, well above any camera photo yet far below what would
 * exhaust memory; a small file claiming more is refused before decoding (decompression bomb).
 */
export const DEFAULT_MAX_PIXELS = 100_000_000;
