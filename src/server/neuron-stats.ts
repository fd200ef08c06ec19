/**
 * The neuron page's cheap analyses, from the stored pooled activations (activations/LAYER.POOL.npy,
 * images × channels) only: images at activation quantiles, the lowest images, and the neurons most
 * correlated with this one in its own and the adjacent layers. They read the layers as
 * layer-columns.ts keeps them (channel by channel, loaded once per layer).
 */
import { sampleCount, type LayerColumns } from './layer-columns.js';
import type { CorrelatedNeuron, NeuronCorrelations, NeuronDistribution } from './neuron-api.js';

/** Quantile bands shown, and images per band / lowest images. */
export const NEURON_QUANTILES = [0.99, 0.9, 0.75, 0.5, 0.25, 0.1] as const;
export const BAND_IMAGES = 4;
export const LOWEST_IMAGES = 8;
/** Correlated neurons kept per neighbouring layer. */
export const CORRELATED_PER_LAYER = 5;
/**
 * Most images a correlation uses: larger runs use every k-th image (k = ⌈images / this⌉), which
 * bounds a neuron page's work per neighbouring layer at this many rows × channels.
 */
export const CORRELATION_IMAGES = 4096;

/** The image stride that keeps a correlation within CORRELATION_IMAGES. */
export function correlationStride(images: number): number {
  return Math.max(1, Math.ceil(images / CORRELATION_IMAGES));
}

/**
 * Quantile bands and lowest images of `column` (NaN left out). Ranks are ascending by value, ties
 * by lower image index; band q centres on rank round(q·(n−1)): BAND_IMAGES consecutive ranks
 * starting ⌊BAND_IMAGES/2⌋ below it (clamped into the ranks), listed strongest first.
 */
export function distributionOf(column: Float32Array, name: (index: number) => string, quantiles: readonly number[] = NEURON_QUANTILES): NeuronDistribution {
  const order = ascendingOrder(column);
  const n = order.length;
  const image = (i: number) => ({ index: i, path: name(i), activation: column[i]! });
  const bands = n === 0 ? [] : quantiles.map((q) => {
    const rank = Math.round(q * (n - 1));
    const start = Math.max(0, Math.min(n - BAND_IMAGES, rank - Math.floor(BAND_IMAGES / 2)));
    const ranks = Array.from(order.subarray(start, start + BAND_IMAGES)).reverse();
    return { q, value: column[order[rank]!]!, images: ranks.map(image) };
  });
  const min = n > 0 ? column[order[0]!]! : NaN;
  let atMinimum = 0;
  while (atMinimum < n && column[order[atMinimum]!] === min) atMinimum++;
  return { images: n, bands, lowest: Array.from(order.subarray(0, LOWEST_IMAGES), image), atMinimum };
}

/** Index bits of a packed sort key: a float32's 32 order bits and 21 index bits fill a double's 53-bit integer range. */
const INDEX_BITS = 2 ** 21;

/**
 * Indices of the finite values of `column`, ascending by value, ties by lower index. Up to 2^21
 * values are sorted as packed integer keys (a native numeric sort, several times faster than a
 * comparator); the order is the same either way.
 */
export function ascendingOrder(column: Float32Array): Int32Array {
  const finite: number[] = [];
  for (let i = 0; i < column.length; i++) if (Number.isFinite(column[i]!)) finite.push(i);
  if (column.length > INDEX_BITS) return Int32Array.from(finite.sort((a, b) => column[a]! - column[b]! || a - b));
  const bits = new Uint32Array(column.buffer, column.byteOffset, column.length);
  const keys = new Float64Array(finite.length);
  for (let k = 0; k < finite.length; k++) {
    const i = finite[k]!;
    // IEEE order as an unsigned integer: negatives reversed below positives; −0 sorts as +0.
    const b = column[i] === 0 ? 0 : bits[i]!;
    const key = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    keys[k] = key * INDEX_BITS + i;
  }
  keys.sort();
  const order = new Int32Array(keys.length);
  for (let k = 0; k < keys.length; k++) order[k] = keys[k]! % INDEX_BITS;
  return order;
}

/** r from pairwise-complete sums over n pairs (NaN when either side does not vary or n < 3). */
function pearsonR(n: number, sx: number, sy: number, sxx: number, syy: number, sxy: number): number {
  if (n < 3) return NaN;
  const cov = sxy - (sx * sy) / n;
  const vx = sxx - (sx * sx) / n;
  const vy = syy - (sy * sy) / n;
  return vx > 0 && vy > 0 ? Math.max(-1, Math.min(1, cov / Math.sqrt(vx * vy))) : NaN;
}

/**
 * Pearson r of `x` (a neuron's values at the sampled rows) with every channel of `layer` at the
 * same rows, pairs with a non-finite side left out; n is the pairs used. Sums run in row order, so
 * the result does not depend on whether the layer is kept in full or sampled.
 */
export function correlateSample(x: Float32Array, layer: LayerColumns): { r: Float64Array; n: Float64Array } {
  const m = Math.min(x.length, sampleCount(layer.images, layer.stride));
  const r = new Float64Array(layer.channels);
  const n = new Float64Array(layer.channels);
  let xFinite = m === x.length;
  let sx = 0;
  let sxx = 0;
  for (let i = 0; i < m; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) xFinite = false;
    sx += v;
    sxx += v * v;
  }
  const mLayer = sampleCount(layer.images, layer.stride);
  const data = layer.sample;
  for (let c = 0; c < layer.channels; c++) {
    const base = c * mLayer;
    if (xFinite && layer.sampleFinite[c] === 1 && m === mLayer) {
      // Every pair counts: only the cross term depends on x (the channel's sums are the layer's).
      let sxy = 0;
      for (let i = 0; i < m; i++) sxy += x[i]! * data[base + i]!;
      n[c] = m;
      r[c] = pearsonR(m, sx, layer.sampleSum[c]!, sxx, layer.sampleSquares[c]!, sxy);
      continue;
    }
    let k = 0, px = 0, py = 0, pxx = 0, pyy = 0, pxy = 0;
    for (let i = 0; i < m; i++) {
      const u = x[i]!;
      const v = data[base + i]!;
      if (!Number.isFinite(u) || !Number.isFinite(v)) continue;
      k++;
      px += u;
      py += v;
      pxx += u * u;
      pyy += v * v;
      pxy += u * v;
    }
    n[c] = k;
    r[c] = pearsonR(k, px, py, pxx, pyy, pxy);
  }
  return { r, n };
}

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628274631];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** The (1 − alpha) interval of r from n pairs (Fisher z). */
export function fisherInterval(r: number, n: number, alpha = 0.05): [number, number] {
  if (!(n > 3) || !Number.isFinite(r)) return [-1, 1];
  if (Math.abs(r) >= 1) return [r, r];
  const z = Math.atanh(r);
  const half = normalQuantile(1 - alpha / 2) / Math.sqrt(n - 3);
  return [Math.tanh(z - half), Math.tanh(z + half)];
}

/** |r| that is significant at 5 % after a Bonferroni correction over `searched` tests, with n pairs (Fisher z). */
export function significantR(n: number, searched: number): number {
  if (!(n > 3)) return 1;
  return Math.tanh(normalQuantile(1 - 0.025 / Math.max(1, searched)) / Math.sqrt(n - 3));
}

/**
 * The CORRELATED_PER_LAYER strongest |r| of each layer (the neuron itself left out), strongest
 * first overall; `threshold` is the Bonferroni-corrected |r| for every neuron searched.
 */
export function strongest(
  layers: { layer: string; relation: CorrelatedNeuron['relation']; r: Float64Array; n: Float64Array; skip?: number }[],
  perLayer = CORRELATED_PER_LAYER,
  stride = 1,
): NeuronCorrelations {
  const out: CorrelatedNeuron[] = [];
  let searched = 0;
  let minN = Infinity;
  for (const l of layers) {
    const candidates: number[] = [];
    for (let c = 0; c < l.r.length; c++) {
      if (c === l.skip || !Number.isFinite(l.r[c]!)) continue;
      candidates.push(c);
      minN = Math.min(minN, l.n[c]!);
    }
    searched += candidates.length;
    candidates.sort((a, b) => Math.abs(l.r[b]!) - Math.abs(l.r[a]!) || a - b);
    for (const c of candidates.slice(0, perLayer)) out.push({ layer: l.layer, relation: l.relation, channel: c, r: l.r[c]!, ci: fisherInterval(l.r[c]!, l.n[c]!), n: l.n[c]! });
  }
  out.sort((a, b) => Math.abs(b.r) - Math.abs(a.r) || a.channel - b.channel);
  return { neurons: out, threshold: significantR(Number.isFinite(minN) ? minN : 0, searched), searched, stride };
}
