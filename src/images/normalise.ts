/**
 * The one per-pixel loop in JavaScript: 8-bit interleaved pixels from sharp to normalised floats in
 * the model's layout. (v/255 - mean)/std is rewritten as v·scale + offset with scale = 1/(255·std)
 * and offset = -mean/std precomputed per channel, so the loop is one multiply-add per value (this
 * measured faster than a 256-entry lookup table); it differs from the literal formula by at most
 * a float32 rounding step.
 */
import type { Preprocessing } from './types.js';

/** Per-channel `scale` and `offset` such that `v * scale + offset = (v / 255 - mean) / std`. */
export function normalisationCoefficients(prep: Pick<Preprocessing, 'channels' | 'mean' | 'std'>): {
  readonly scale: readonly number[];
  readonly offset: readonly number[];
} {
  const channels = Array.from({ length: prep.channels }, (_, c) => c);
  return {
    scale: channels.map((c) => 1 / (255 * (prep.std[c] ?? 1))),
    offset: channels.map((c) => -(prep.mean[c] ?? 0) / (prep.std[c] ?? 1)),
  };
}

/**
 * Converts `pixels` (height × width × channels bytes, interleaved as sharp's raw output) into
 * floats in `prep.layout` order, written to `into` (same length as `pixels`) or a new array.
 */
export function pixelsToTensor(
  pixels: Uint8Array,
  prep: Pick<Preprocessing, 'channels' | 'mean' | 'std' | 'layout'>,
  into?: Float32Array,
): Float32Array {
  const out = into ?? new Float32Array(pixels.length);
  if (out.length !== pixels.length) {
    throw new RangeError(`pixelsToTensor: output holds ${out.length} floats, the image has ${pixels.length} values`);
  }
  const { scale, offset } = normalisationCoefficients(prep);
  const s0 = scale[0] as number;
  const o0 = offset[0] as number;
  if (prep.channels === 1) {
    for (let i = 0; i < pixels.length; i++) out[i] = pixels[i] * s0 + o0;
    return out;
  }
  const s1 = scale[1] as number;
  const o1 = offset[1] as number;
  const s2 = scale[2] as number;
  const o2 = offset[2] as number;
  if (prep.layout === 'NHWC') {
    for (let j = 0; j < pixels.length; j += 3) {
      out[j] = pixels[j] * s0 + o0;
      out[j + 1] = pixels[j + 1] * s1 + o1;
      out[j + 2] = pixels[j + 2] * s2 + o2;
    }
    return out;
  }
  // NCHW: three planes written in one pass over the interleaved input.
  const n = pixels.length / 3;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[i] = pixels[j] * s0 + o0;
    out[n + i] = pixels[j + 1] * s1 + o1;
    out[2 * n + i] = pixels[j + 2] * s2 + o2;
  }
  return out;
}
