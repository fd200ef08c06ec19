/**
 * Activation rates of single neurons from a run's pooled activations, and how many rarely-active
 * neurons fire on each image.
 *
 * Definitions: neuron c is active on image i when its pooled activation a[i, c] > threshold (strict)
 * or, without a threshold (the default), when it is among the top 10 % of its layer on that image —
 * the ⌈0.1·C⌉ highest activations of the row, ties to the lower channel (the concept hierarchy's
 * rule, src/concepts/active.ts), so a layer's mean rate is 0.1 and "rare" means a neuron that
 * seldom stands out among its layer (a fixed threshold of 0 marks almost every post-ReLU neuron
 * active on almost every image under max pooling); rate(c) = #active images / #images; c is rarely active when rate(c) < rareBelow (dead: rate 0,
 * counted among the rare ones). The matrix `[images × channels]` is read in row blocks (two passes:
 * the rates, then the rare counts per image), so it never has to fit in memory.
 */
import { RATE_BIN_EDGES } from './types.js';

/** Returns rows `[start, start + count)` of the matrix, row-major (`count × channels` values). */
export type RowReader = (start: number, count: number) => Float32Array | Promise<Float32Array>;

export interface RateOptions {
  images: number;
  channels: number;
  /** Active means value > threshold; null = among the top 10 % of the layer on that image. */
  threshold: number | null;
  /** Bytes requested per read. Default 8 MiB (at least one row). */
  rowChunkBytes?: number;
  /** Called after each block with the rows done so far. */
  onRows?: (done: number) => void;
}

function rowsPerRead(channels: number, bytes = 8 * 2 ** 20): number {
  return Math.max(1, Math.floor(bytes / Math.max(1, channels * 4)));
}

/** Share of a layer's neurons that are active on each image under the default (null-threshold) rule. */
export const TOP_FRACTION = 0.1;

/**
 * Marks the active channels of one row into `out` (1 = active). With a threshold: value > threshold.
 * Without: the ⌈TOP_FRACTION·C⌉ largest values, ties to the lower channel (NaN ranks last).
 */
export function markActive(row: Float32Array, off: number, C: number, threshold: number | null, out: Uint8Array, order: Int32Array): void {
  if (threshold !== null) {
    for (let c = 0; c < C; c++) out[c] = row[off + c]! > threshold ? 1 : 0;
    return;
  }
  const k = Math.min(C, Math.max(1, Math.ceil(TOP_FRACTION * C - 1e-9)));
  for (let c = 0; c < C; c++) order[c] = c;
  const value = (c: number) => {
    const v = row[off + c]!;
    return Number.isNaN(v) ? -Infinity : v;
  };
  order.sort((a, b) => value(b) - value(a) || a - b);
  out.fill(0);
  for (let j = 0; j < k; j++) out[order[j]!] = 1;
}

/** Number of active images per neuron (first pass). */
export async function activeCounts(read: RowReader, options: RateOptions): Promise<Int32Array> {
  const { images: n, channels: C, threshold } = options;
  const counts = new Int32Array(C);
  const active = new Uint8Array(C);
  const order = new Int32Array(C);
  const step = rowsPerRead(C, options.rowChunkBytes);
  for (let start = 0; start < n; start += step) {
    const count = Math.min(step, n - start);
    const rows = await read(start, count);
    if (rows.length !== count * C) throw new RangeError(`rates: reader gave ${rows.length} values for ${count} rows of ${C}`);
    for (let r = 0, off = 0; r < count; r++, off += C) {
      markActive(rows, off, C, threshold, active, order);
      for (let c = 0; c < C; c++) counts[c]! += active[c]!;
    }
    options.onRows?.(start + count);
  }
  return counts;
}

/** Per image, how many of the `rare` channels are active on it (second pass). */
export async function rareCountsPerImage(read: RowReader, rare: readonly number[], options: RateOptions): Promise<Int32Array> {
  const { images: n, channels: C, threshold } = options;
  const out = new Int32Array(n);
  if (rare.length === 0) return out;
  const step = rowsPerRead(C, options.rowChunkBytes);
  const channels = Int32Array.from(rare);
  const active = new Uint8Array(C);
  const order = new Int32Array(C);
  for (let start = 0; start < n; start += step) {
    const count = Math.min(step, n - start);
    const rows = await read(start, count);
    for (let r = 0, off = 0; r < count; r++, off += C) {
      markActive(rows, off, C, threshold, active, order);
      let k = 0;
      for (let j = 0; j < channels.length; j++) k += active[channels[j]!]!;
      out[start + r] = k;
    }
    options.onRows?.(start + count);
  }
  return out;
}

/** Rates from counts (count / images; 0 for an empty run). */
export function ratesFromCounts(counts: Int32Array, images: number): Float64Array {
  return Float64Array.from(counts, (k) => (images > 0 ? k / images : 0));
}

/** Channels with rate < rareBelow, in channel order. */
export function rareChannels(rates: ArrayLike<number>, rareBelow: number): number[] {
  const rare: number[] = [];
  for (let c = 0; c < rates.length; c++) if (rates[c]! < rareBelow) rare.push(c);
  return rare;
}

/** Neurons per bin of RATE_BIN_EDGES: bin i holds [edges[i], edges[i+1]), the last bin includes 1. */
export function rateHistogram(rates: ArrayLike<number>): { edges: number[]; counts: number[] } {
  const edges = [...RATE_BIN_EDGES];
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (let c = 0; c < rates.length; c++) {
    const r = rates[c]!;
    let bin = counts.length - 1;
    for (let b = 0; b < counts.length - 1; b++) {
      if (r < edges[b + 1]!) {
        bin = b;
        break;
      }
    }
    counts[bin]!++;
  }
  return { edges, counts };
}

/**
 * The `limit` images with the most rare neurons firing in total (only images with at least one),
 * most first, ties to the lower index. `perImage` is `[images × layers]` row-major.
 */
export function topOffenders(perImage: Int32Array, images: number, layers: number, limit = 10): { index: number; total: number; perLayer: number[] }[] {
  const totals: { index: number; total: number }[] = [];
  for (let i = 0; i < images; i++) {
    let total = 0;
    for (let l = 0; l < layers; l++) total += perImage[i * layers + l]!;
    if (total > 0) totals.push({ index: i, total });
  }
  totals.sort((a, b) => b.total - a.total || a.index - b.index);
  return totals.slice(0, limit).map(({ index, total }) => ({ index, total, perLayer: Array.from(perImage.subarray(index * layers, (index + 1) * layers)) }));
}
