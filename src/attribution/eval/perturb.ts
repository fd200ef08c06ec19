/**
 * Writing the perturbed images of one curve into a shared batch buffer: image k is `from` with the
 * first n_k units of `order` taken from `to` (deletion/MoRF/LeRF: from = original, to = baseline;
 * insertion: from = baseline, to = original). Each image is built from the previous one (one
 * memcpy plus the newly replaced units), so a curve costs ~S image copies and no allocation.
 */
import type { Layout } from '../../images/types.js';
import type { UnitGrid } from './order.js';

/** Geometry of one model-input tensor. */
export interface TensorGeometry {
  channels: number;
  height: number;
  width: number;
  layout: Layout;
}

/** Number of floats of one image. */
export function imageSize(g: TensorGeometry): number {
  return g.channels * g.height * g.width;
}

/** Copies the values of units order[from … to) of `source` into `target` (both one image). */
export function copyUnits(
  source: Float32Array,
  target: Float32Array,
  order: Int32Array,
  from: number,
  to: number,
  grid: UnitGrid,
  geometry: TensorGeometry,
): void {
  const { channels, layout } = geometry;
  const plane = geometry.height * geometry.width;
  const { pixels, starts } = grid;
  for (let r = from; r < to; r++) {
    const u = order[r]!;
    const end = starts[u + 1]!;
    if (layout === 'NCHW') {
      for (let c = 0, base = 0; c < channels; c++, base += plane) {
        for (let i = starts[u]!; i < end; i++) {
          const at = base + pixels[i]!;
          target[at] = source[at]!;
        }
      }
    } else {
      for (let i = starts[u]!; i < end; i++) {
        const at = pixels[i]! * channels;
        for (let c = 0; c < channels; c++) target[at + c] = source[at + c]!;
      }
    }
  }
}

/**
 * Writes images k = 1 … S−1 of a curve (S = counts.length − 1) one after another into `out`,
 * starting at image slot `slot`; returns the next free slot. Image 0 is `from` and image S is
 * `to` (every unit replaced); they are scored once per image and shared by all curves.
 */
export function writeCurveImages(
  from: Float32Array,
  to: Float32Array,
  order: Int32Array,
  counts: Int32Array,
  grid: UnitGrid,
  geometry: TensorGeometry,
  out: Float32Array,
  slot: number,
): number {
  const n = imageSize(geometry);
  const steps = counts.length - 1;
  let previous = from;
  for (let k = 1; k < steps; k++) {
    const image = out.subarray(slot * n, (slot + 1) * n);
    image.set(previous);
    copyUnits(to, image, order, k === 1 ? 0 : counts[k - 1]!, counts[k]!, grid, geometry);
    previous = image;
    slot++;
  }
  return slot;
}
