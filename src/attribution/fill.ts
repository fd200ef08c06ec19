/**
 * Baselines for perturbations: what replaces the image where a method hides it (an occluding
 * window, the dark part of a RISE mask, the low part of a Score-CAM mask). All work on ONE
 * preprocessed input tensor (C·H·W floats in the model's layout), so the evaluation can build the
 * very same baselines:
 *
 *  - 'zero': the tensor value 0 everywhere, i.e. the normalisation mean colour (the usual choice);
 *  - 'mean': each channel's mean over the image (the image's mean colour);
 *  - 'blur': each channel plane blurred with a Gaussian (separable, radius ⌈3σ⌉, mirrored borders;
 *    src/maps/region.ts gaussianBlur), σ = 10·s/224 px with s the shorter input side
 *    (10 px at 224, 2.86 px at 64) unless given.
 */
import { gaussianBlur } from '../maps/region.js';
import type { Layout } from '../images/types.js';
import { choiceRule, type MethodOption } from './method.js';

/** What fills hidden pixels (see the module comment). */
export type FillKind = 'zero' | 'mean' | 'blur';
export const FILL_KINDS: readonly FillKind[] = ['zero', 'mean', 'blur'];

declare module './types.js' {
  interface MethodOptions {
    /** occlusion, rise, score-cam: what fills hidden pixels: 'zero' (input tensor 0 = the normalisation mean colour, default), 'mean' (the image's mean colour) or 'blur'. */
    fill?: FillKind;
  }
}

/** `--fill`, shared by the methods that hide pixels. */
export const FILL_OPTION: MethodOption = {
  key: 'fill',
  flag: '--fill',
  placeholder: '<kind>',
  parse: 'string',
  doc: "what replaces hidden pixels: zero (input 0 = the normalisation mean colour), mean (the image's mean colour) or blur",
  defaultDoc: 'zero',
  default: () => 'zero',
  rule: choiceRule(FILL_KINDS),
};

/** The geometry of one input tensor; a Preprocessing fits. */
export interface TensorShape {
  /** Channels C (3 for RGB). */
  readonly channels: number;
  /** Height H in pixels. */
  readonly height: number;
  /** Width W in pixels. */
  readonly width: number;
  /** 'NCHW' (planes) or 'NHWC' (interleaved). */
  readonly layout: Layout;
}

/** The default σ of the 'blur' baseline: 10·s/224 px, s = the shorter side. */
export function defaultBlurSigma(shape: TensorShape): number {
  return (10 * Math.min(shape.height, shape.width)) / 224;
}

/** Index of channel `c` of pixel `p` (= y·W + x) in a tensor of `shape`. */
export function valueIndex(shape: TensorShape, c: number, p: number): number {
  return shape.layout === 'NCHW' ? c * shape.height * shape.width + p : p * shape.channels + c;
}

/** Channel `c` of `image` as an H×W plane (a copy). */
function plane(image: Float32Array, shape: TensorShape, c: number): Float32Array {
  const n = shape.height * shape.width;
  if (shape.layout === 'NCHW') return image.slice(c * n, (c + 1) * n);
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) out[p] = image[p * shape.channels + c]!;
  return out;
}

/**
 * The baseline tensor of `image` for `fill` (a new array, same length and layout as `image`).
 * `sigma` applies to 'blur' only; default {@link defaultBlurSigma}.
 */
export function fillBaseline(image: Float32Array, shape: TensorShape, fill: FillKind, sigma = defaultBlurSigma(shape)): Float32Array {
  const n = shape.height * shape.width;
  if (image.length !== n * shape.channels) throw new RangeError(`fillBaseline: image has ${image.length} values, the shape needs ${n * shape.channels}`);
  const out = new Float32Array(image.length);
  if (fill === 'zero') return out;
  for (let c = 0; c < shape.channels; c++) {
    const values = plane(image, shape, c);
    if (fill === 'mean') {
      let sum = 0;
      for (const v of values) sum += v;
      const mean = sum / n;
      for (let p = 0; p < n; p++) out[valueIndex(shape, c, p)] = mean;
    } else {
      const blurred = sigma > 0 ? gaussianBlur(values, shape.height, shape.width, sigma) : values;
      for (let p = 0; p < n; p++) out[valueIndex(shape, c, p)] = blurred[p]!;
    }
  }
  return out;
}

/**
 * Writes image⊙mask + base⊙(1−mask) into `out` (C·H·W values); `mask` holds one weight per pixel
 * (H×W), shared by every channel.
 */
export function blendInto(out: Float32Array, image: Float32Array, base: Float32Array, mask: Float32Array, shape: TensorShape): void {
  const n = shape.height * shape.width;
  const channels = shape.channels;
  if (shape.layout === 'NCHW') {
    for (let c = 0; c < channels; c++) {
      const offset = c * n;
      for (let p = 0; p < n; p++) {
        const m = mask[p]!;
        const i = offset + p;
        out[i] = image[i]! * m + base[i]! * (1 - m);
      }
    }
    return;
  }
  for (let p = 0; p < n; p++) {
    const m = mask[p]!;
    for (let c = 0; c < channels; c++) {
      const i = p * channels + c;
      out[i] = image[i]! * m + base[i]! * (1 - m);
    }
  }
}
