/**
 * The region of a neuron on an image: where in the input its activation map is hottest, as one
 * square box in input pixels. Steps (pure TypeScript on Float32Array):
 *
 *  1. the neuron's map: channel c of a feature map [N,C,H,W] (or channels-last [N,H,W,C], when the
 *     layer's layout says so); for tokens [N,T,D], column c with the
 *     prefix (class/register) tokens dropped and the rest reshaped to the patch grid h×w (row-major,
 *     as ViTs flatten patches);
 *  2. bilinear upsampling to the input size with align_corners=false semantics, i.e. what torch's
 *     F.interpolate(mode='bilinear', align_corners=False) does for a given output size: output pixel
 *     x samples source coordinate (x + 0.5)·in/out − 0.5, clamped below at 0, between its two
 *     neighbours (the upper one clamped to the last row/column);
 *  3. min–max normalisation to [0, 1];
 *  4. Gaussian blur, separable, σ = 8·s/224 px where s is the input's shorter side (8 px at 224),
 *     kernel truncated at ⌈3σ⌉, borders mirrored (…c b a | a b c…); then min–max normalised again so
 *     the threshold is relative to the blurred peak (blurring lowers a narrow peak; the mask is
 *     never empty);
 *  5. threshold: pixels ≥ 0.8;
 *  6. the largest 8-connected component of the mask (ties: the one met first in raster order);
 *  7. its bounding box, squared — the shorter side grows to the longer one around the centre (an odd
 *     surplus puts the extra pixel after the box) — then shifted back inside the image (a side
 *     longer than the image is cut to it).
 * A constant map (nothing stands out) gives the whole image.
 */
import { NeurolensError } from '../errors.js';
import { circuitMessages } from '../messages/circuits.js';
import type { LayerInfo } from '../onnx/catalogue/index.js';
import type { TensorLike } from '../runtime/types.js';

/** A box in input pixels: columns x … x+width−1, rows y … y+height−1. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One neuron's activation map, row-major. */
export interface NeuronMap {
  data: Float32Array;
  height: number;
  width: number;
}

export interface RegionOptions {
  /** Gaussian σ in input pixels. Default 8·s/224 with s the input's shorter side; 0 = no blur. */
  sigma?: number;
  /** Threshold on the normalised blurred map, in (0, 1]. Default 0.8. */
  threshold?: number;
  /**
   * 'auto' (default) picks the cheaper of two exact-in-arithmetic computations: 'direct' (upsample
   * to full size, then a separable blur) or 'operator' (A_y · M · A_xᵀ, faster for small maps).
   * They differ only by float rounding.
   */
  path?: 'auto' | 'direct' | 'operator';
}

/**
 * Channel `channel` of sample `sample` of a layer's tensor as a 2-D map. Feature maps give H×W;
 * token tensors need the layer's token layout (LayerInfo.tokens with a known grid).
 */
export function neuronMap(activation: TensorLike, channel: number, layer: Pick<LayerInfo, 'id' | 'kind' | 'tokens' | 'layout'>, sample = 0): NeuronMap {
  const dims = activation.dims;
  const data = activation.data;
  if (!(data instanceof Float32Array)) throw new NeurolensError('usage', circuitMessages.notFloat(layer.id, activation.type ?? 'non-float32'));
  if (dims.length === 4 && layer.layout === 'NHWC') {
    // Channels last: the channel is strided by C through the H·W positions.
    const [n, h, w, c] = dims as [number, number, number, number];
    checkIndex(layer.id, channel, c, sample, n);
    const map = new Float32Array(h * w);
    const base = sample * h * w * c;
    for (let p = 0; p < map.length; p++) map[p] = data[base + p * c + channel]!;
    return { data: map, height: h, width: w };
  }
  if (dims.length === 4) {
    const [n, c, h, w] = dims as [number, number, number, number];
    checkIndex(layer.id, channel, c, sample, n);
    const start = (sample * c + channel) * h * w;
    return { data: data.slice(start, start + h * w), height: h, width: w };
  }
  if (dims.length === 3) {
    const [n, t, d] = dims as [number, number, number];
    checkIndex(layer.id, channel, d, sample, n);
    const grid = layer.tokens?.grid;
    const prefix = layer.tokens?.prefix ?? 0;
    if (!grid || t - prefix !== grid[0] * grid[1]) throw new NeurolensError('usage', circuitMessages.noTokenGrid(layer.id, t, prefix, grid ?? null));
    const map = new Float32Array(grid[0] * grid[1]);
    const base = sample * t * d;
    for (let p = 0; p < map.length; p++) map[p] = data[base + (prefix + p) * d + channel]!;
    return { data: map, height: grid[0], width: grid[1] };
  }
  throw new NeurolensError('usage', circuitMessages.noMap(layer.id, dims));
}

function checkIndex(id: string, channel: number, channels: number, sample: number, samples: number): void {
  if (!Number.isInteger(channel) || channel < 0 || channel >= channels) throw new NeurolensError('usage', circuitMessages.badSource(channel, id, channels));
  if (!Number.isInteger(sample) || sample < 0 || sample >= samples) throw new NeurolensError('usage', circuitMessages.badSample(sample, samples));
}

/** The region of a map on an input of `inputSize` = [height, width] pixels (steps 2–7 above). */
export function mapRegion(map: NeuronMap, inputSize: readonly [number, number], options: RegionOptions = {}): Box {
  const [height, width] = inputSize;
  const sigma = options.sigma ?? (8 * Math.min(height, width)) / 224;
  const threshold = options.threshold ?? 0.8;
  if (map.data.length !== map.height * map.width || map.height < 1 || map.width < 1) {
    throw new NeurolensError('usage', circuitMessages.mapSize(map.data.length, map.height, map.width));
  }
  if (!(sigma >= 0) || !(threshold > 0 && threshold <= 1)) throw new NeurolensError('usage', circuitMessages.regionOptions(sigma, threshold));
  let image: Float32Array;
  const path = options.path ?? 'auto';
  if (sigma > 0 && (path === 'operator' || (path === 'auto' && operatorIsCheaper(map, height, width, sigma)))) {
    // Blurring re-normalised below makes the first min–max step irrelevant (a Gaussian with
    // mirrored borders commutes with affine maps), so small maps go straight through the
    // per-axis operator A = Blur·Upsample: A_y · M · A_xᵀ.
    if (isConstant(map.data)) return { x: 0, y: 0, width, height };
    image = upsampleAndBlur(map, height, width, sigma);
    if (!normalise(image)) return { x: 0, y: 0, width, height };
  } else {
    image = upsampleBilinear(map, height, width);
    if (!normalise(image)) return { x: 0, y: 0, width, height };
    if (sigma > 0) {
      image = gaussianBlur(image, height, width, sigma);
      if (!normalise(image)) return { x: 0, y: 0, width, height };
    }
  }
  const mask = new Uint8Array(image.length);
  for (let i = 0; i < image.length; i++) mask[i] = image[i]! >= threshold ? 1 : 0;
  const box = largestComponent(mask, height, width)!;
  return squareBox(box, height, width);
}

function isConstant(values: Float32Array): boolean {
  for (let i = 1; i < values.length; i++) if (values[i] !== values[0]) return false;
  return true;
}

function blurRadius(sigma: number): number {
  return Math.max(1, Math.ceil(3 * sigma));
}

/** Multiply-adds: direct upsample + two blur passes vs. the two operator products. */
function operatorIsCheaper(map: NeuronMap, height: number, width: number, sigma: number): boolean {
  const span = 2 * blurRadius(sigma) + 1;
  return height * map.height * map.width + height * width * map.width < height * width * (4 + 2 * span);
}

const operators = new Map<string, Float64Array>();

/** Row-major out × size matrix of Blur(out) · BilinearUpsample(size → out), cached per shape. */
function axisOperator(size: number, out: number, sigma: number): Float64Array {
  const key = `${size}:${out}:${sigma}`;
  const cached = operators.get(key);
  if (cached) return cached;
  const { lo, hi, t } = axisWeights(size, out);
  const radius = blurRadius(sigma);
  const kernel = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++) total += kernel[k + radius] = Math.exp(-(k * k) / (2 * sigma * sigma));
  const op = new Float64Array(out * size);
  for (let i = 0; i < out; i++) {
    for (let k = -radius; k <= radius; k++) {
      const w = kernel[k + radius]! / total;
      const j = mirror(i + k, out);
      op[i * size + lo[j]!] += w * (1 - t[j]!);
      op[i * size + hi[j]!] += w * t[j]!;
    }
  }
  operators.set(key, op);
  return op;
}

/** A_y · M · A_xᵀ: the map upsampled to height × width and blurred, without the full-size passes. */
function upsampleAndBlur(map: NeuronMap, height: number, width: number, sigma: number): Float32Array {
  const ay = axisOperator(map.height, height, sigma);
  const ax = axisOperator(map.width, width, sigma);
  const h = map.height;
  const w = map.width;
  const rows = new Float64Array(height * w);
  for (let y = 0; y < height; y++) {
    for (let j = 0; j < w; j++) {
      let sum = 0;
      for (let i = 0; i < h; i++) sum += ay[y * h + i]! * map.data[i * w + j]!;
      rows[y * w + j] = sum;
    }
  }
  const out = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let j = 0; j < w; j++) sum += rows[y * w + j]! * ax[x * w + j]!;
      out[y * width + x] = sum;
    }
  }
  return out;
}

/** neuronMap + mapRegion. */
export function neuronRegion(
  activation: TensorLike,
  channel: number,
  layer: Pick<LayerInfo, 'id' | 'kind' | 'tokens' | 'layout'>,
  inputSize: readonly [number, number],
  options: RegionOptions & { sample?: number } = {},
): Box {
  return mapRegion(neuronMap(activation, channel, layer, options.sample ?? 0), inputSize, options);
}

/** Bilinear resize to height×width, align_corners=false (torch F.interpolate semantics). */
export function upsampleBilinear(map: NeuronMap, height: number, width: number): Float32Array {
  const ys = axisWeights(map.height, height);
  const xs = axisWeights(map.width, width);
  const src = map.data;
  const out = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    const r0 = ys.lo[y]! * map.width;
    const r1 = ys.hi[y]! * map.width;
    const ly = ys.t[y]!;
    for (let x = 0; x < width; x++) {
      const x0 = xs.lo[x]!;
      const x1 = xs.hi[x]!;
      const lx = xs.t[x]!;
      const top = (1 - lx) * src[r0 + x0]! + lx * src[r0 + x1]!;
      const bottom = (1 - lx) * src[r1 + x0]! + lx * src[r1 + x1]!;
      out[y * width + x] = (1 - ly) * top + ly * bottom;
    }
  }
  return out;
}

function axisWeights(size: number, out: number): { lo: Int32Array; hi: Int32Array; t: Float64Array } {
  const lo = new Int32Array(out);
  const hi = new Int32Array(out);
  const t = new Float64Array(out);
  const scale = size / out;
  for (let i = 0; i < out; i++) {
    const source = Math.max(0, (i + 0.5) * scale - 0.5);
    const i0 = Math.min(Math.floor(source), size - 1);
    lo[i] = i0;
    hi[i] = i0 < size - 1 ? i0 + 1 : i0;
    t[i] = source - i0;
  }
  return { lo, hi, t };
}

/** Min–max normalises in place; false when the values are constant (nothing to normalise). */
function normalise(values: Float32Array): boolean {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) return false;
  const range = max - min;
  for (let i = 0; i < values.length; i++) values[i] = (values[i]! - min) / range;
  return true;
}

/** Separable Gaussian blur (kernel radius ⌈3σ⌉, mirrored borders). */
export function gaussianBlur(values: Float32Array, height: number, width: number, sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++) total += kernel[k + radius] = Math.exp(-(k * k) / (2 * sigma * sigma));
  for (let k = 0; k < kernel.length; k++) kernel[k] /= total;
  // Each row (then column) is copied once into a buffer padded with mirrored borders, so the
  // convolution itself has no index arithmetic; same operands in the same order as a direct
  // mirrored convolution, hence identical results.
  const span = 2 * radius + 1;
  const padded = new Float64Array(Math.max(width, height) + 2 * radius);
  const rows = new Float32Array(values.length);
  for (let y = 0; y < height; y++) {
    for (let i = -radius; i < width + radius; i++) padded[i + radius] = values[y * width + mirror(i, width)]!;
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = 0; k < span; k++) sum += kernel[k]! * padded[x + k]!;
      rows[y * width + x] = sum;
    }
  }
  const out = new Float32Array(values.length);
  for (let x = 0; x < width; x++) {
    for (let i = -radius; i < height + radius; i++) padded[i + radius] = rows[mirror(i, height) * width + x]!;
    for (let y = 0; y < height; y++) {
      let sum = 0;
      for (let k = 0; k < span; k++) sum += kernel[k]! * padded[y + k]!;
      out[y * width + x] = sum;
    }
  }
  return out;
}

/** Half-sample symmetric index: -1 → 0, n → n−1, repeating for kernels wider than the image. */
function mirror(i: number, n: number): number {
  const period = 2 * n;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - 1 - m;
}

/** Inclusive bounds and pixel count of a component. */
export interface Component {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
  size: number;
}

/** The largest 8-connected component of a 0/1 mask (first in raster order on ties); undefined if empty. */
export function largestComponent(mask: Uint8Array, height: number, width: number): Component | undefined {
  const seen = new Uint8Array(mask.length);
  const stack = new Int32Array(mask.length);
  let best: Component | undefined;
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || seen[start]) continue;
    const c: Component = { minX: width, maxX: -1, minY: height, maxY: -1, size: 0 };
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    while (top > 0) {
      const p = stack[--top]!;
      const x = p % width;
      const y = (p - x) / width;
      c.size++;
      if (x < c.minX) c.minX = x;
      if (x > c.maxX) c.maxX = x;
      if (y < c.minY) c.minY = y;
      if (y > c.maxY) c.maxY = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (mask[q] && !seen[q]) {
            seen[q] = 1;
            stack[top++] = q;
          }
        }
      }
    }
    if (!best || c.size > best.size) best = c;
  }
  return best;
}

/** Step 7: the component's bounding box made square around its centre, kept inside the image. */
export function squareBox(c: Component, height: number, width: number): Box {
  const w = c.maxX - c.minX + 1;
  const h = c.maxY - c.minY + 1;
  const side = Math.max(w, h);
  const [x, boxWidth] = fit(c.minX - Math.floor((side - w) / 2), side, width);
  const [y, boxHeight] = fit(c.minY - Math.floor((side - h) / 2), side, height);
  return { x, y, width: boxWidth, height: boxHeight };
}

function fit(start: number, length: number, size: number): [number, number] {
  const clipped = Math.min(length, size);
  return [Math.min(Math.max(start, 0), size - clipped), clipped];
}
