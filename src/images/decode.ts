/**
 * Decodes one image file into a model-ready float tensor with sharp (libvips).
 *
 * Pipeline: read the file once (hash it, hand the same buffer to sharp) → read the header only
 * (original size after EXIF orientation, pixel-limit check before any pixel is decoded; JPEG
 * headers are parsed in ./jpeg-header.ts, other formats by sharp) → decode
 * the first frame/page, auto-orient, flatten alpha onto the background, resize (+ centre crop),
 * convert to 8-bit sRGB (or 8-bit grey for 1-channel models) → one multiply-add pass into floats.
 * Any failure becomes a one-line NeurolensError('input') naming the file and the reason, which the
 * recorder records as a skipped image.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp, { type OutputInfo } from 'sharp';
import { NeurolensError } from '../errors.js';
import { imageMessages } from '../messages/images.js';
import { planResize } from './geometry.js';
import { readJpegHeader } from './jpeg-header.js';
import { pixelsToTensor } from './normalise.js';
import { decodeFailureReason, readFailureReason } from './reasons.js';
import type { DecodedImage, DecodeOptions, Preprocessing } from './types.js';

/**
 * libvips' 'error' level: truncated files and decoder errors abort, while benign libjpeg warnings
 * (e.g. "extraneous bytes before marker", common in camera and web JPEGs) do not throw away an
 * otherwise intact image, as the stricter default 'warning' would.
 */
const FAIL_ON = 'error' as const;

/**
 * Decodes `file` for `prep`. Returns the tensor (`prep.channels × prep.height × prep.width` floats
 * in `prep.layout` order), the original size after EXIF orientation and the SHA-256 of the bytes.
 *
 * Animated GIF/WebP and multi-page TIFF: the first frame/page only. Transparent pixels are
 * composited onto `prep.background`. Greyscale, palette, CMYK and 16-bit images are converted to
 * 8-bit sRGB (embedded ICC profiles are honoured); 1-channel models get 8-bit luminance.
 *
 * @throws NeurolensError('input') with message `<file>: <reason>` (one line) for a missing,
 *   unreadable, empty, corrupt, truncated or unsupported file, or one over `prep.maxPixels`.
 */
export async function decodeImage(file: string, prep: Preprocessing, options: DecodeOptions = {}): Promise<DecodedImage> {
  const shown = options.displayPath ?? file;
  const size = prep.channels * prep.height * prep.width;
  if (options.into && options.into.length !== size) {
    // A caller bug, not a bad image: fail loudly before any work.
    throw new RangeError(`decodeImage: options.into holds ${options.into.length} floats, the tensor needs ${size}`);
  }
  const fail = (reason: string, cause?: unknown): never => {
    throw new NeurolensError('input', imageMessages.decodeFailed(shown, reason), { cause });
  };

  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    return fail(readFailureReason(error), error);
  }
  if (bytes.length === 0) return fail(imageMessages.reasonEmpty());

  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let width: number;
  let height: number;
  const jpeg = readJpegHeader(bytes);
  if (jpeg) {
    [width, height] = jpeg.orientation >= 5 ? [jpeg.height, jpeg.width] : [jpeg.width, jpeg.height];
  } else {
    // Header only, no pixels decoded. limitInputPixels is off here so that an oversized image is
    // refused below with its real size rather than sharp's bare "exceeds pixel limit".
    try {
      const meta = await sharp(bytes, { limitInputPixels: false, failOn: FAIL_ON }).metadata();
      width = meta.autoOrient?.width ?? meta.width;
      height = meta.autoOrient?.height ?? meta.height;
    } catch (error) {
      return fail(decodeFailureReason(error, file, prep.maxPixels, options.pixelLimitAdvice), error);
    }
  }
  if (!(width > 0 && height > 0)) return fail(imageMessages.reasonNotImage());
  if (width * height > prep.maxPixels) return fail(imageMessages.reasonPixelLimit(prep.maxPixels, width, height, options.pixelLimitAdvice));

  const plan = planResize(width, height, prep);
  // pages: 1 = first frame of an animation / first page of a TIFF (the primary image of a HEIF).
  // limitInputPixels stays on as a second guard in case a loader disagrees with the header.
  let pipeline = sharp(bytes, { autoOrient: true, limitInputPixels: prep.maxPixels, failOn: FAIL_ON, pages: 1 })
    .flatten({ background: { r: prep.background[0], g: prep.background[1], b: prep.background[2] } });
  if (plan.resize) {
    pipeline = pipeline.resize(plan.resizeWidth, plan.resizeHeight, { fit: 'fill', kernel: prep.interpolation });
  }
  if (plan.crop) pipeline = pipeline.extract(plan.crop);
  pipeline = pipeline.toColourspace(prep.channels === 1 ? 'b-w' : 'srgb').removeAlpha().raw({ depth: 'uchar' });

  let result: { data: Buffer; info: OutputInfo };
  try {
    result = await pipeline.toBuffer({ resolveWithObject: true });
  } catch (error) {
    return fail(decodeFailureReason(error, file, prep.maxPixels, options.pixelLimitAdvice), error);
  }
  const { data: pixels, info } = result;
  if (info.width !== prep.width || info.height !== prep.height || info.channels !== prep.channels) {
    // A bug in the plan above rather than a bad image; still reported per image, never a crash.
    return fail(imageMessages.reasonCorrupt(
      `decoded to ${info.width}x${info.height}x${info.channels}, expected ${prep.width}x${prep.height}x${prep.channels}`,
    ));
  }
  return { data: pixelsToTensor(pixels, prep, options.into), width, height, sha256 };
}
