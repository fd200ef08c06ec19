import { DEFAULT_TOP_K } from './defaults.js';
import { selectTopK } from './pool.js';

/**
 * Per-neuron summaries of one layer's pooled activations, a float32 matrix `[images × channels]`
 * read through row ranges so it can be larger than memory.
 *
 * Definitions (all arithmetic in float64, stored as float32):
 * - `mean`, `std`: population mean and standard deviation (two passes: Σ(x − mean)² / n).
 * - `rate`: share of images on which the neuron is active. On each image exactly a = ⌈C/10⌉
 *   neurons are active: those ranked first when the image's C values are ordered by value
 *   descending, ties by channel index ascending. (So with ties at the cut, the lower channels win.)
 * - `q50, q90, q99, q995`: quantiles with numpy's default 'linear' method — sort the n values,
 *   h = (n − 1)·q, interpolate between x[⌊h⌋] and x[⌊h⌋ + 1] with numpy's `_lerp` formula —
 *   i.e. `numpy.quantile(column.astype(float64), q)` rounded to float32.
 * - top-k: the k (clamped to n) image indices with the largest values, ordered by value
 *   descending, ties by image index ascending.
 * - Non-finite values: NaN ranks as −∞ (never above a number, for top-k and for `rate`), and a
 *   column holding a NaN gets NaN mean, std and quantiles, as numpy gives. `nonFinite` counts the
 *   NaN and ±∞ values of the whole matrix, so callers can tell a damaged layer from a clean one.
 *
 * Memory: columns are processed in blocks of B channels; each block reads every row (in chunks)
 * and keeps only its columns, B·n floats. Per-column results do not depend on B. The activation
 * rate needs whole rows, so it is computed while reading rows for the first block.
 */

export const STATS_COLUMNS = ['mean', 'std', 'rate', 'q50', 'q90', 'q99', 'q995'] as const;
export const STATS_QUANTILES = [0.5, 0.9, 0.99, 0.995] as const;
export { DEFAULT_TOP_K } from './defaults.js';

/** Returns rows `[start, start + count)` of the matrix, row-major (`count × channels` values). */
export type RowRangeReader = (start: number, count: number) => Float32Array | Promise<Float32Array>;

export interface NeuronStatsOptions {
  /** Rows of the matrix (images). */
  images: number;
  /** Columns of the matrix (neurons of the layer). */
  channels: number;
  /** How many top image indices to keep per neuron; clamped to `images`. Default 100. */
  k?: number;
  /** Bytes allowed for one block of columns (B·images·4). Default 128 MiB. */
  blockBytes?: number;
  /** Channels per block; overrides `blockBytes` (tests use it to force several blocks). */
  blockChannels?: number;
  /** Bytes requested from the reader per call. Default 8 MiB (at least one row). */
  rowChunkBytes?: number;
  /** Called after each block with the number of channels finished so far. */
  onProgress?: (channelsDone: number, channels: number) => void;
}

export interface NeuronStats {
  /** `[channels × 7]` row-major, columns as in `columns`. */
  stats: Float32Array;
  /** `[channels × k]` row-major image indices. */
  topk: Int32Array;
  /** The effective k (the requested k clamped to the image count). */
  k: number;
  columns: readonly string[];
  /** NaN and ±∞ values in the matrix. */
  nonFinite: number;
}

/** Ranking key of a value: NaN counts as −∞ so it never outranks a number. */
function rankKey(v: number): number {
  return v !== v ? -Infinity : v;
}

/** Number of active neurons per image: ⌈C/10⌉ (integer arithmetic). */
export function activeCount(channels: number): number {
  return Math.ceil(channels / 10);
}

/** numpy's `_lerp`: exact at both ends and monotone in t. */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Quantile `q` of `sorted[0, n)` (ascending), numpy 'linear' method. */
export function quantileLinear(sorted: ArrayLike<number>, n: number, q: number): number {
  if (n === 0) return Number.NaN;
  const h = (n - 1) * q;
  const below = Math.floor(h);
  if (below >= n - 1) return sorted[n - 1];
  return lerp(sorted[below], sorted[below + 1], h - below);
}

/**
 * Adds 1 to `counts[c]` for each of the ⌈C/10⌉ active channels of one row `row[off, off+C)`.
 * `work` is scratch of at least C floats.
 */
export function countActive(row: Float32Array, off: number, channels: number, counts: Float64Array, work: Float32Array): void {
  const a = activeCount(channels);
  if (a === 0) return;
  for (let c = 0; c < channels; c++) work[c] = rankKey(row[off + c]);
  selectTopK(work, 0, channels, a);
  let cut = Infinity; // the a-th largest value
  for (let i = channels - a; i < channels; i++) if (work[i] < cut) cut = work[i];
  let above = 0;
  for (let c = 0; c < channels; c++) if (rankKey(row[off + c]) > cut) above++;
  let tiesLeft = a - above; // lowest channels among those equal to the cut
  for (let c = 0; c < channels; c++) {
    const v = rankKey(row[off + c]);
    if (v > cut) counts[c]++;
    else if (v === cut && tiesLeft > 0) {
      counts[c]++;
      tiesLeft--;
    }
  }
}

/** Top-k indices of `col` given its ascending copy `sorted` (k ≥ 1): value desc, index asc. */
function topIndices(col: Float32Array, sorted: Float32Array, k: number, out: Int32Array, outOff: number): void {
  const n = col.length;
  const cut = sorted[n - k];
  let above = 0;
  for (let i = n - k + 1; i < n; i++) if (sorted[i] > cut) above++;
  let tiesLeft = k - above;
  const picked: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = col[i];
    if (v > cut) picked.push(i);
    else if (v === cut && tiesLeft > 0) {
      picked.push(i);
      tiesLeft--;
    }
  }
  picked.sort((x, y) => col[y] - col[x] || x - y);
  for (let i = 0; i < k; i++) out[outOff + i] = picked[i];
}

/**
 * Top-k of a column that holds NaN: ranked on a copy where NaN is −∞ (typed-array sort puts NaN
 * last, which would make it the largest value).
 */
function topIndicesWithNaN(col: Float32Array, k: number, out: Int32Array, outOff: number): void {
  const keys = col.map(rankKey);
  topIndices(keys, keys.slice().sort(), k, out, outOff);
}

/** Summaries of one column (`col` is left intact; `sorted` is scratch of the same length); true when it holds NaN. */
function columnStats(col: Float32Array, sorted: Float32Array, out: Float32Array, outOff: number): boolean {
  const n = col.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += col[i];
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = col[i] - mean;
    squares += d * d;
  }
  sorted.set(col);
  sorted.sort();
  out[outOff] = mean;
  out[outOff + 1] = Math.sqrt(squares / n);
  // Sorting puts NaN last; numpy's quantile of a column with NaN is NaN.
  const hasNaN = sorted[n - 1] !== sorted[n - 1];
  STATS_QUANTILES.forEach((q, i) => {
    out[outOff + 3 + i] = hasNaN ? Number.NaN : quantileLinear(sorted, n, q);
  });
  return hasNaN;
}

/** Computes the per-neuron summaries described in the module comment. */
export async function computeNeuronStats(reader: RowRangeReader, options: NeuronStatsOptions): Promise<NeuronStats> {
  const { images: n, channels: C, onProgress } = options;
  for (const [name, value] of [['images', n], ['channels', C]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`stats: bad ${name} ${value}`);
  }
  const k = Math.min(Math.max(0, Math.floor(options.k ?? DEFAULT_TOP_K)), n);
  const width = STATS_COLUMNS.length;
  const stats = new Float32Array(C * width);
  const topk = new Int32Array(C * k);
  if (n === 0 || C === 0) {
    stats.fill(Number.NaN);
    onProgress?.(C, C);
    return { stats, topk, k, columns: STATS_COLUMNS, nonFinite: 0 };
  }

  const blockBytes = options.blockBytes ?? 128 * 2 ** 20;
  const B = Math.min(C, Math.max(1, Math.floor(options.blockChannels ?? blockBytes / (n * 4))));
  const rowsPerRead = Math.max(1, Math.floor((options.rowChunkBytes ?? 8 * 2 ** 20) / (C * 4)));
  const block = new Float32Array(B * n);
  const sorted = new Float32Array(n);
  const counts = new Float64Array(C);
  const work = new Float32Array(C);
  let nonFinite = 0;

  for (let c0 = 0; c0 < C; c0 += B) {
    const width0 = Math.min(B, C - c0);
    for (let start = 0; start < n; start += rowsPerRead) {
      const count = Math.min(rowsPerRead, n - start);
      const rows = await reader(start, count);
      if (rows.length !== count * C) {
        throw new RangeError(`stats: reader gave ${rows.length} values for rows [${start}, ${start + count}) of ${C} channels`);
      }
      for (let r = 0; r < count; r++) {
        const off = r * C;
        if (c0 === 0) {
          countActive(rows, off, C, counts, work);
          for (let c = off; c < off + C; c++) if (!Number.isFinite(rows[c])) nonFinite++;
        }
        for (let j = 0, at = start + r; j < width0; j++, at += n) block[at] = rows[off + c0 + j];
      }
    }
    for (let j = 0; j < width0; j++) {
      const c = c0 + j;
      const col = block.subarray(j * n, (j + 1) * n);
      const hasNaN = columnStats(col, sorted, stats, c * width);
      if (k > 0 && hasNaN) topIndicesWithNaN(col, k, topk, c * k);
      else if (k > 0) topIndices(col, sorted, k, topk, c * k);
    }
    onProgress?.(c0 + width0, C);
  }
  for (let c = 0; c < C; c++) stats[c * width + 2] = counts[c] / n;
  return { stats, topk, k, columns: STATS_COLUMNS, nonFinite };
}
