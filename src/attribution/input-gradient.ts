/**
 * What the input-gradient methods share: reducing a C·H·W tensor in the model's layout to one value
 * per pixel (max of |·| over channels, or the signed channel sum), reordering it to [C, H, W] for
 * `attribute --raw`, and the input range noise is scaled by.
 *
 * Every gradient here is of the bound target (gradients.ts): the class logit (or probability) or
 * the neurons' averaged activations the perturbation methods score, so a larger map value means
 * "more important for that number".
 */
import type { TensorShape } from './fill.js';
import type { MethodResult, MethodRun } from './method.js';
import type { AttributionMap } from './types.js';

/** Strides of a channel and of a pixel in a tensor of `shape` (fill.ts valueIndex, unrolled for the per-pixel loops). */
function channelStep(shape: TensorShape): { plane: number; pixel: number } {
  return shape.layout === 'NCHW' ? { plane: shape.height * shape.width, pixel: 1 } : { plane: 1, pixel: shape.channels };
}

/** One value per pixel: `reduce` folds the pixel's channel values (float64) from `start`. */
function perPixel(values: ArrayLike<number>, shape: TensorShape, start: number, reduce: (acc: number, v: number) => number): AttributionMap {
  const { height, width, channels } = shape;
  const { plane, pixel } = channelStep(shape);
  const data = new Float32Array(height * width);
  for (let p = 0; p < data.length; p++) {
    let acc = start;
    for (let c = 0; c < channels; c++) acc = reduce(acc, values[c * plane + p * pixel]!);
    data[p] = acc;
  }
  return { data, height, width };
}

/** max over channels of |v| (Simonyan et al.'s saliency reduction). */
export function maxAbsOverChannels(values: ArrayLike<number>, shape: TensorShape): AttributionMap {
  return perPixel(values, shape, 0, (acc, v) => Math.max(acc, Math.abs(v)));
}

/** max over channels of v (for values already ≥ 0: squared or variance maps). */
export function maxOverChannels(values: ArrayLike<number>, shape: TensorShape): AttributionMap {
  return perPixel(values, shape, -Infinity, (acc, v) => Math.max(acc, v));
}

/** Σ over channels of v, signed (a pixel's share of a first-order or path-integrated change). */
export function sumOverChannels(values: ArrayLike<number>, shape: TensorShape): AttributionMap {
  return perPixel(values, shape, 0, (acc, v) => acc + v);
}

/** A C·H·W tensor of `shape` in [C, H, W] order (a copy; NHWC transposed). */
export function toChw(values: ArrayLike<number>, shape: TensorShape): Float32Array {
  const out = Float32Array.from(values as ArrayLike<number>);
  if (shape.layout === 'NCHW') return out;
  const n = shape.height * shape.width;
  for (let p = 0; p < n; p++) for (let c = 0; c < shape.channels; c++) out[c * n + p] = values[p * shape.channels + c]!;
  return out;
}

/** max − min of the image tensor (1 for a constant image, so noise never vanishes). */
export function inputRange(image: Float32Array): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of image) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi > lo ? hi - lo : 1;
}

/** `count` images through the gradient graph: that many forward and backward passes. */
export function gradientCost(count: number): Pick<MethodResult, 'passes' | 'backward'> {
  return { passes: count, backward: count };
}

/** d target / d input of the image alone (one gradient pass). */
export async function inputGradientOf(run: MethodRun): Promise<Float32Array> {
  return (await run.gradients.compute(run.image, 1)).input!;
}
