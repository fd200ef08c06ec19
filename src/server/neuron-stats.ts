/**
 * The neuron page's cheap analyses, from the stored pooled activations (activations/LAYER.POOL.npy,
 * images × channels) only: images at activation quantiles, the lowest images, and the neurons most
 * correlated with this one in its own and the adjacent layers. Each is one streaming pass per layer
 * matrix (rows read in chunks, so runs larger than memory work); the run index caches the results.
 */
import { NpyReader } from '../store/npy.js';
import { forEachChunk } from './layer-scan.js';
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
  const order: number[] = [];
  for (let i = 0; i < column.length; i++) if (Number.isFinite(column[i]!)) order.push(i);
  order.sort((a, b) => column[a]! - column[b]! || a - b);
  const n = order.length;
  const image = (i: number) => ({ index: i, path: name(i), activation: column[i]! });
  const bands = n === 0 ? [] : quantiles.map((q) => {
    const rank = Math.round(q * (n - 1));
    const start = Math.max(0, Math.min(n - BAND_IMAGES, rank - Math.floor(BAND_IMAGES / 2)));
    const ranks = order.slice(start, start + BAND_IMAGES).reverse();
    return { q, value: column[order[rank]!]!, images: ranks.map(image) };
  });
  const min = n > 0 ? column[order[0]!]! : NaN;
  let atMinimum = 0;
  while (atMinimum < n && column[order[atMinimum]!] === min) atMinimum++;
  return { images: n, bands, lowest: order.slice(0, LOWEST_IMAGES).map(image), atMinimum };
}

/** Per channel of a matrix: pairwise-complete Pearson sums against a fixed column. */
class PearsonSums {
  readonly n: Float64Array;
  private readonly sx: Float64Array;
  private readonly sy: Float64Array;
  private readonly sxx: Float64Array;
  private readonly syy: Float64Array;
  private readonly sxy: Float64Array;

  constructor(readonly channels: number) {
    [this.n, this.sx, this.sy, this.sxx, this.syy, this.sxy] = Array.from({ length: 6 }, () => new Float64Array(channels));
  }

  add(x: number, row: Float32Array, offset: number): void {
    if (!Number.isFinite(x)) return;
    for (let c = 0; c < this.channels; c++) {
      const y = row[offset + c]!;
      if (!Number.isFinite(y)) continue;
      this.n[c]!++;
      this.sx[c]! += x;
      this.sy[c]! += y;
      this.sxx[c]! += x * x;
      this.syy[c]! += y * y;
      this.sxy[c]! += x * y;
    }
  }

  /** r of channel c (NaN when either side does not vary or n < 3). */
  r(c: number): number {
    const n = this.n[c]!;
    if (n < 3) return NaN;
    const cov = this.sxy[c]! - (this.sx[c]! * this.sy[c]!) / n;
    const vx = this.sxx[c]! - (this.sx[c]! * this.sx[c]!) / n;
    const vy = this.syy[c]! - (this.sy[c]! * this.sy[c]!) / n;
    return vx > 0 && vy > 0 ? Math.max(-1, Math.min(1, cov / Math.sqrt(vx * vy))) : NaN;
  }
}

/**
 * Pearson r of a column with every channel of the matrix at `path` (rows aligned by image). The
 * column is given, or is channel `x.channel` of this same matrix (then read in full in the same
 * pass and returned, so the neuron's own layer is streamed once). Only rows 0, stride, 2·stride, …
 * enter the correlations.
 */
export async function correlateWith(path: string, x: Float32Array | { channel: number }, stride = 1): Promise<{ r: Float64Array; n: Float64Array; column: Float32Array }> {
  const reader = await NpyReader.open(path);
  try {
    const channels = reader.header.shape[1] ?? 1;
    const sums = new PearsonSums(channels);
    const own = x instanceof Float32Array ? null : x.channel;
    const column = own === null ? (x as Float32Array) : new Float32Array(reader.rows);
    let at = 0;
    await forEachChunk(reader, channels, (rows, count) => {
      for (let i = 0; i < count; i++, at++) {
        if (own !== null) column[at] = rows[i * channels + own]!;
        if (at % stride === 0) sums.add(column[at] ?? NaN, rows, i * channels);
      }
    });
    return { r: Float64Array.from({ length: channels }, (_, c) => sums.r(c)), n: sums.n, column };
  } finally {
    await reader.close();
  }
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
