/**
 * Opset-aware emitters the shape rules share: Pad and Slice in their attribute (old opsets) or
 * input forms, zeros of a tensor's run-time shape, and the one-hot contraction that scatters a
 * cotangent back along one axis, summing repeated sources (Gather, reflect/edge/wrap Pad).
 */
import type { GradEmitter } from '../types.js';

/** Pad with `pads` ([begins…, ends…], negative values crop) and zeros. */
export function emitPad(emit: GradEmitter, x: string, pads: readonly number[]): string {
  if (pads.every((p) => p === 0)) return x;
  return emit.opset >= 11 ? emit.node('Pad', [x, emit.int64s(pads)]) : emit.node('Pad', [x], { pads });
}

/** Slice of `x` (steps other than 1 need opset 10, where Slice takes inputs). */
export function emitSlice(
  emit: GradEmitter,
  x: string,
  starts: readonly number[],
  ends: readonly number[],
  axes: readonly number[],
  steps?: readonly number[],
): string {
  if (emit.opset < 10) return emit.node('Slice', [x], { starts, ends, axes });
  const inputs = [x, emit.int64s(starts), emit.int64s(ends), emit.int64s(axes)];
  return emit.node('Slice', steps ? [...inputs, emit.int64s(steps)] : inputs);
}

/** Zeros of the graph's float type with the run-time shape of `like`. */
export function zerosLike(emit: GradEmitter, like: string): string {
  return emit.node('Expand', [emit.constant([0]), emit.shape(like)]);
}

/** Where one axis of a cotangent goes back to. */
export interface AxisScatter {
  /** The axis (the first `axis` dims of the cotangent are kept as they are). */
  axis: number;
  /** Source position of each cotangent entry along the axis (entries spanning the index dims, row-major); undefined: none. */
  sources: readonly (number | undefined)[];
  /** Size of the axis after scattering. */
  size: number;
  /** The dims after the axis (the same before and after), as numbers. */
  after: readonly number[];
}

/**
 * result[…, p, …] = Σ_{k: sources[k] = p} grad[…, k, …]: the cotangent reshaped to [lead…, K, post]
 * times a constant one-hot [size, K] matrix (MatMul broadcasts over the leading dims), reshaped to
 * [lead…, size, after…]. Repeated sources sum, at any opset.
 */
export function scatterAlongAxis(emit: GradEmitter, grad: string, s: AxisScatter): string {
  const k = s.sources.length;
  const post = s.after.reduce((a, b) => a * b, 1);
  const keep = Array<number>(s.axis).fill(0); // Reshape's 0 copies the leading (possibly batch) dims.
  const flat = emit.node('Reshape', [grad, emit.int64s([...keep, k, post])]);
  const oneHot = new Array<number>(s.size * k).fill(0);
  s.sources.forEach((p, j) => {
    if (p !== undefined) oneHot[p * k + j] = 1;
  });
  const summed = emit.node('MatMul', [emit.constant(oneHot, [s.size, k]), flat]);
  return emit.node('Reshape', [summed, emit.int64s([...keep, s.size, ...s.after])]);
}
