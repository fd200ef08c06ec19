/**
 * The image parametrisation of feature visualisation (Olah et al. 2017): each colour channel is a
 * complex Fourier spectrum scaled by 1/frequency, so that plain gradient steps change all spatial
 * frequencies at about the rate natural images hold them (no high-frequency noise takes over);
 * the three channels are mixed by a colour-decorrelation matrix and squashed into [0, 1] by a
 * sigmoid. `synthesise` maps parameters to an RGB image and `adjoint` maps an image gradient back
 * to a parameter gradient (the exact transpose of the same chain), so the optimiser works on the
 * parameters while the model sees pixels.
 *
 * Parameters of one image: for each channel c, a real plane A_c and an imaginary plane B_c (H×W
 * each), stored [c][A|B][y][x]. Channel c's decorrelated plane is
 *   x_c[n] = (1/√(HW)) Σ_k S_k · Re(e^{+2πi k·n} (A_c[k] + i B_c[k])),
 * with S the 1/|f| scale normalised to unit root-mean-square, so parameters and pixels share a scale.
 */
import { fourier2d } from './fft.js';

/** A parametrisation's fixed parts for one image size and channel count. */
export interface Spectral {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Parameters per image: channels × 2 × height × width. */
  readonly size: number;
  /** Per-frequency scale S_k (H×W). */
  readonly scale: Float64Array;
  /** Row-major channels×channels colour mixing matrix (identity for one channel). */
  readonly colour: Float64Array;
}

/**
 * The colour mixing: the symmetric square root of a covariance in which every pair of channels
 * correlates by ρ (natural images' RGB channels are strongly correlated), scaled so its largest
 * column has unit norm. Its eigenvectors are luminance (1,1,1) and the two opponent directions.
 */
export function colourMatrix(channels: number, rho = 0.8): Float64Array {
  if (channels === 1) return Float64Array.of(1);
  // sqrt of (1−ρ)I + ρ·11ᵀ: √(1−ρ) on the opponent directions, √(1+(c−1)ρ) on luminance.
  const a = Math.sqrt(1 - rho);
  const b = (Math.sqrt(1 + (channels - 1) * rho) - a) / channels;
  const m = new Float64Array(channels * channels);
  for (let i = 0; i < channels; i++) for (let j = 0; j < channels; j++) m[i * channels + j] = (i === j ? a : 0) + b;
  let largest = 0;
  for (let j = 0; j < channels; j++) {
    let norm = 0;
    for (let i = 0; i < channels; i++) norm += m[i * channels + j]! ** 2;
    largest = Math.max(largest, Math.sqrt(norm));
  }
  return m.map((v) => v / largest);
}

/** The 1/|f| scale of an H×W spectrum (frequencies wrapped to [−½, ½) cycles per pixel), unit RMS. */
export function spectralScale(height: number, width: number): Float64Array {
  const scale = new Float64Array(height * width);
  const floor = 1 / Math.max(height, width);
  let sum = 0;
  for (let ky = 0; ky < height; ky++) {
    const fy = (ky <= height / 2 ? ky : ky - height) / height;
    for (let kx = 0; kx < width; kx++) {
      const fx = (kx <= width / 2 ? kx : kx - width) / width;
      const s = 1 / Math.max(Math.hypot(fy, fx), floor);
      scale[ky * width + kx] = s;
      sum += s * s;
    }
  }
  const rms = Math.sqrt(sum / (height * width));
  return scale.map((s) => s / rms);
}

export function createSpectral(height: number, width: number, channels: number): Spectral {
  return { height, width, channels, size: channels * 2 * height * width, scale: spectralScale(height, width), colour: colourMatrix(channels) };
}

/** Work planes reused across calls. */
let planeRe = new Float64Array(0);
let planeIm = new Float64Array(0);
function planes(n: number): [Float64Array, Float64Array] {
  if (planeRe.length !== n) {
    planeRe = new Float64Array(n);
    planeIm = new Float64Array(n);
  }
  return [planeRe, planeIm];
}

/** Decorrelated planes x (channels×H×W) of one image's parameters — the linear part. */
export function spatial(sp: Spectral, params: Float64Array, out: Float64Array = new Float64Array(sp.channels * sp.height * sp.width)): Float64Array {
  const n = sp.height * sp.width;
  const norm = 1 / Math.sqrt(n);
  const [re, im] = planes(n);
  for (let c = 0; c < sp.channels; c++) {
    const base = c * 2 * n;
    for (let k = 0; k < n; k++) {
      re[k] = sp.scale[k]! * params[base + k]!;
      im[k] = sp.scale[k]! * params[base + n + k]!;
    }
    fourier2d(re, im, sp.height, sp.width);
    for (let p = 0; p < n; p++) out[c * n + p] = re[p]! * norm;
  }
  return out;
}

/** Transpose of {@link spatial}: parameter gradient from a gradient on the decorrelated planes. */
export function spatialAdjoint(sp: Spectral, grad: Float64Array, out: Float64Array = new Float64Array(sp.size)): Float64Array {
  const n = sp.height * sp.width;
  const norm = 1 / Math.sqrt(n);
  const [re, im] = planes(n);
  for (let c = 0; c < sp.channels; c++) {
    for (let p = 0; p < n; p++) {
      re[p] = grad[c * n + p]!;
      im[p] = 0;
    }
    fourier2d(re, im, sp.height, sp.width);
    const base = c * 2 * n;
    for (let k = 0; k < n; k++) {
      out[base + k] = sp.scale[k]! * re[k]! * norm;
      out[base + n + k] = -sp.scale[k]! * im[k]! * norm;
    }
  }
  return out;
}

/** Colour mixing per pixel (in place is not allowed: `out` must differ from `x`); `transpose` for its adjoint. */
export function mixColours(sp: Spectral, x: Float64Array, out: Float64Array, transpose = false): Float64Array {
  const n = sp.height * sp.width;
  const c = sp.channels;
  for (let i = 0; i < c; i++) {
    for (let p = 0; p < n; p++) {
      let acc = 0;
      for (let j = 0; j < c; j++) acc += (transpose ? sp.colour[j * c + i]! : sp.colour[i * c + j]!) * x[j * n + p]!;
      out[i * n + p] = acc;
    }
  }
  return out;
}

/** One image's RGB in [0, 1] (channels×H×W, planar) from its parameters. */
export function synthesise(sp: Spectral, params: Float64Array): Float64Array {
  const x = spatial(sp, params);
  const y = mixColours(sp, x, new Float64Array(x.length));
  for (let i = 0; i < y.length; i++) y[i] = 1 / (1 + Math.exp(-y[i]!));
  return y;
}

/** Parameter gradient from the gradient on the image `rgb` that {@link synthesise} returned. */
export function adjoint(sp: Spectral, rgb: Float64Array, gradRgb: Float64Array, out?: Float64Array): Float64Array {
  const gy = new Float64Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) gy[i] = gradRgb[i]! * rgb[i]! * (1 - rgb[i]!);
  const gx = mixColours(sp, gy, new Float64Array(gy.length), true);
  return spatialAdjoint(sp, gx, out);
}
