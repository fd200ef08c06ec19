/**
 * Transformation robustness: each optimisation step shows the model a randomly jittered, scaled
 * and rotated copy of the image, so the visualisation cannot rely on pixel-exact patterns that a
 * shift of one pixel destroys. The three are one affine warp sampled bilinearly; pixels whose
 * source falls outside the image take a constant grey. The warp's linear part is stored as four
 * taps per output pixel, so the forward pass and its exact transpose share the same numbers.
 */
import type { Random } from '../util/random.js';

/** Ranges of the random transformation, drawn uniformly per step and image. */
export interface Robustness {
  /** Largest shift, in pixels, along each axis. */
  jitter: number;
  /** Scale factor range [low, high]. */
  scale: [number, number];
  /** Largest rotation, in degrees, either way. */
  rotate: number;
}

/** One drawn warp. */
export interface Warp {
  dy: number;
  dx: number;
  scale: number;
  /** Radians. */
  angle: number;
}

/** The value of pixels that sample outside the image (mid-grey in [0, 1]). */
export const FILL = 0.5;

export function drawWarp(random: Random, r: Robustness): Warp {
  const uniform = (low: number, high: number) => low + (high - low) * random.next();
  return { dy: uniform(-r.jitter, r.jitter), dx: uniform(-r.jitter, r.jitter), scale: uniform(r.scale[0], r.scale[1]), angle: (uniform(-r.rotate, r.rotate) * Math.PI) / 180 };
}

/** Bilinear taps of a warp on an H×W plane: per output pixel four source indices (−1: outside) and weights. */
export interface Taps {
  index: Int32Array;
  weight: Float64Array;
  /** Per output pixel, the total weight of its outside taps (times FILL gives the constant part). */
  outside: Float64Array;
}

/**
 * Output pixel p samples the source at c + R(−θ)(p − c − d)/s: the image is scaled by s and
 * rotated by θ about its centre c, then shifted by d.
 */
export function warpTaps(height: number, width: number, warp: Warp): Taps {
  const n = height * width;
  const index = new Int32Array(4 * n);
  const weight = new Float64Array(4 * n);
  const outside = new Float64Array(n);
  const cy = (height - 1) / 2;
  const cx = (width - 1) / 2;
  const tap = (t: number, sy: number, sx: number, w: number) => {
    const inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
    index[t] = inside ? sy * width + sx : -1;
    weight[t] = inside ? w : 0;
    if (!inside) outside[t >> 2]! += w;
  };
  const cos = Math.cos(warp.angle) / warp.scale;
  const sin = Math.sin(warp.angle) / warp.scale;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = y - cy - warp.dy;
      const v = x - cx - warp.dx;
      const sy = cy + cos * u - sin * v;
      const sx = cx + sin * u + cos * v;
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      const fy = sy - y0;
      const fx = sx - x0;
      const p = y * width + x;
      tap(4 * p, y0, x0, (1 - fy) * (1 - fx));
      tap(4 * p + 1, y0, x0 + 1, (1 - fy) * fx);
      tap(4 * p + 2, y0 + 1, x0, fy * (1 - fx));
      tap(4 * p + 3, y0 + 1, x0 + 1, fy * fx);
    }
  }
  return { index, weight, outside };
}

/** Warped planes (channels×H×W): the linear part plus FILL times the outside weight. */
export function applyWarp(taps: Taps, planes: Float64Array, channels: number, fill = FILL): Float64Array {
  const n = taps.outside.length;
  const out = new Float64Array(planes.length);
  for (let c = 0; c < channels; c++) {
    const base = c * n;
    for (let p = 0; p < n; p++) {
      let acc = fill * taps.outside[p]!;
      for (let t = 4 * p; t < 4 * p + 4; t++) {
        const i = taps.index[t]!;
        if (i >= 0) acc += taps.weight[t]! * planes[base + i]!;
      }
      out[base + p] = acc;
    }
  }
  return out;
}

/** Transpose of the warp's linear part: the gradient on the source planes from one on the output. */
export function warpAdjoint(taps: Taps, grad: Float64Array, channels: number): Float64Array {
  const n = taps.outside.length;
  const out = new Float64Array(grad.length);
  for (let c = 0; c < channels; c++) {
    const base = c * n;
    for (let p = 0; p < n; p++) {
      const g = grad[base + p]!;
      if (g === 0) continue;
      for (let t = 4 * p; t < 4 * p + 4; t++) {
        const i = taps.index[t]!;
        if (i >= 0) out[base + i]! += taps.weight[t]! * g;
      }
    }
  }
  return out;
}
