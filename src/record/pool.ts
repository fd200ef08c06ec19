/**
 * Pooling of tapped activations into one value per neuron and image.
 *
 * Layouts (row-major, as onnxruntime returns them):
 * - `feature` `[N, C, H, W]`: neurons are the C channels, positions the H·W pixels;
 * - `tokens`  `[N, T, D]`: neurons are the D features, positions the T tokens (class token included);
 * - `vector`  `[N, D]`: one position, so every pooling returns the value itself.
 *
 * Poolings, all accumulated in float64 and rounded once to float32:
 * - `mean`: sum over positions in position order, divided by P;
 * - `max`: the largest value;
 * - `top10`: mean of the k = max(1, ⌊P/10⌋) largest values. Ties cannot change it: the k largest
 *   values form one multiset however equal values are picked, and their sum is taken with
 *   {@link multisetSum}, whose result depends only on that multiset (not on the order in which
 *   the selection left the values). So top10 is bit-identical to "sort the P values, take the k
 *   largest, multisetSum / k", whatever selection method ran.
 * Values are assumed finite (NaN gives an unspecified, though deterministic, result).
 */

export type Pooling = 'mean' | 'max' | 'top10';
export type TapKind = 'feature' | 'tokens' | 'vector';
export const POOLINGS: readonly Pooling[] = ['mean', 'max', 'top10'];

/**
 * How a tapped tensor is pooled, from its rank and (for feature maps) layout: a channels-last map
 * [N,H,W,C] has its neurons on the last axis, so it pools as tokens [N, H·W, C] (same values, same
 * order: no copy).
 */
export function poolView(dims: readonly number[], layout?: 'NCHW' | 'NHWC'): { kind: TapKind; dims: number[] } {
  if (dims.length === 4 && layout === 'NHWC') return { kind: 'tokens', dims: [dims[0]!, dims[1]! * dims[2]!, dims[3]!] };
  return { kind: dims.length === 4 ? 'feature' : dims.length === 3 ? 'tokens' : 'vector', dims: [...dims] };
}

/** Below this k, top10 keeps a small sorted buffer of the best values instead of selecting. */
const SMALL_K = 8;

/** How many positions top10 averages: ⌊P/10⌋, at least 1 (integer arithmetic, no 0.1·P rounding). */
export function topKCount(positions: number): number {
  return Math.max(1, Math.floor(positions / 10));
}

/** Images, neurons and positions of a tapped tensor; throws on dims that do not fit the data. */
export function tapShape(dims: readonly number[], kind: TapKind, length?: number): { images: number; neurons: number; positions: number } {
  const expected = kind === 'feature' ? 4 : kind === 'tokens' ? 3 : 2;
  if (dims.length !== expected || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new RangeError(`pool: ${kind} taps need ${expected} non-negative dims, got [${dims.join(', ')}]`);
  }
  const images = dims[0];
  const [neurons, positions] =
    kind === 'feature' ? [dims[1], dims[2] * dims[3]] : kind === 'tokens' ? [dims[2], dims[1]] : [dims[1], 1];
  if (positions < 1) throw new RangeError(`pool: ${kind} tap [${dims.join(', ')}] has no positions to pool`);
  // multisetSum is exact per bin only below 2^29 values.
  if (positions >= 2 ** 29) throw new RangeError(`pool: ${positions} positions per neuron is too many`);
  if (length !== undefined && length !== images * neurons * positions) {
    throw new RangeError(`pool: ${length} values do not match dims [${dims.join(', ')}]`);
  }
  return { images, neurons, positions };
}

/** Work buffers reused across calls (poolBatch runs on every batch), grown on demand. */
let copyBuf: Float32Array = new Float32Array(0);
let transposeBuf: Float32Array = new Float32Array(0);
let candidates: Float32Array = new Float32Array(0);
function grow(buf: Float32Array, size: number): Float32Array {
  return buf.length >= size ? buf : new Float32Array(size);
}

/**
 * Rearranges `a[off, off+n)` so its `k` largest values occupy `a[off+n-k, off+n)` (in no
 * particular order) — Hoare-partition quickselect with a median-of-three pivot. Hoare's scheme
 * splits runs of equal values evenly, which matters for post-ReLU maps full of zeros. A sort of
 * the remaining range bounds the worst case.
 */
export function selectTopK(a: Float32Array, off: number, n: number, k: number): void {
  if (k <= 0 || k >= n) return;
  const target = off + n - k;
  let lo = off;
  let hi = off + n - 1;
  let rounds = 0;
  while (hi > lo) {
    if (++rounds > 64) {
      a.subarray(lo, hi + 1).sort();
      return;
    }
    const mid = lo + ((hi - lo) >>> 1);
    const x = a[lo];
    const y = a[mid];
    const z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    // Now a[lo..j] <= pivot, a[j+1..i-1] == pivot, a[i..hi] >= pivot.
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return;
  }
}

/**
 * Order-independent float64 sum of float32 values (every value must be exactly representable as
 * float32, as anything read from a Float32Array is): values are first added into one bin per
 * float32 exponent — exact, since every value in bin e is a multiple of that exponent's ulp and
 * fewer than 2^29 of them cannot outgrow float64's 53-bit significand — then the bins are added
 * in ascending exponent order. The result is a function of the multiset alone, and generally more
 * accurate than a left-to-right sum. `extra` is added `times` times (exact as well).
 */
export function multisetSum(values: ArrayLike<number>, start: number, count: number, extra = 0, times = 0): number {
  let lo = 255;
  let hi = 0;
  for (let i = start, end = start + count; i < end; i++) {
    const v = values[i];
    bitsF32[0] = v;
    const e = (bitsU32[0] >>> 23) & 0xff;
    bins[e] += v;
    if (e < lo) lo = e;
    if (e > hi) hi = e;
  }
  if (times > 0) {
    // Into extra's own bin, exactly as `times` separate additions would go.
    bitsF32[0] = extra;
    const e = (bitsU32[0] >>> 23) & 0xff;
    bins[e] += extra * times; // exact: a float32 times a count below 2^29
    if (e < lo) lo = e;
    if (e > hi) hi = e;
  }
  let sum = 0;
  for (let e = lo; e <= hi; e++) {
    sum += bins[e];
    bins[e] = 0;
  }
  return sum;
}
const bins = new Float64Array(256);
const bitsF32 = new Float32Array(1);
const bitsU32 = new Uint32Array(bitsF32.buffer);

/** top10 of `a[off, off+n)` by partitioning it in place (the range is scrambled). */
function topMeanInPlace(a: Float32Array, off: number, n: number, k: number): number {
  selectTopK(a, off, n, k);
  return multisetSum(a, off + n - k, k) / k;
}

/** Maps at least this long use the sampled cut in {@link topMeanSampled}. */
const SAMPLED_MIN = 128;
const MAX_SAMPLES = 128;
const sampleBuf = new Float32Array(MAX_SAMPLES);

/**
 * top10 of `a[off, off+n)` without copying or scrambling it. Quickselect over a whole map is
 * dominated by unpredictable branches, so a cut `t` is first estimated from an evenly spaced
 * sample such that, with a wide margin, at least k values are ≥ t; one branch-free scan then
 * keeps the values above t and counts those equal to t, and the selection runs on the few
 * survivors. If the estimate was too high it falls back to partitioning a copy. Either way the
 * same k largest values are summed.
 */
function topMeanSampled(a: Float32Array, off: number, n: number, k: number): number {
  const samples = Math.min(MAX_SAMPLES, n >>> 2);
  for (let i = 0; i < samples; i++) sampleBuf[i] = a[off + Math.floor(((2 * i + 1) * n) / (2 * samples))];
  const expected = (samples * k) / n;
  const keep = Math.min(samples, Math.ceil(expected + 3 * Math.sqrt(expected) + 2));
  selectTopK(sampleBuf, 0, samples, keep);
  let t = Infinity;
  for (let i = samples - keep; i < samples; i++) if (sampleBuf[i] < t) t = sampleBuf[i];

  const cand = (candidates = grow(candidates, n));
  let above = 0;
  let equal = 0;
  for (let p = off, end = off + n; p < end; p++) {
    const v = a[p];
    cand[above] = v; // kept only if the count moves past it
    above += +(v > t);
    equal += +(v === t);
  }
  if (above >= k) {
    selectTopK(cand, 0, above, k);
    return multisetSum(cand, above - k, k) / k;
  }
  // The k largest are all values above t plus (k − above) copies of t.
  if (above + equal >= k) return multisetSum(cand, 0, above, t, k - above) / k;
  return topMeanOfCopy(a, off, n, k);
}

function topMeanOfCopy(a: Float32Array, off: number, n: number, k: number): number {
  copyBuf = grow(copyBuf, n);
  copyBuf.set(a.subarray(off, off + n));
  return topMeanInPlace(copyBuf, 0, n, k);
}

const small = new Float64Array(SMALL_K);
/** top10 of `k < SMALL_K` values from `n` values at `a[off + p·stride]`, leaving `a` untouched. */
function topMeanSmall(a: Float32Array, off: number, stride: number, n: number, k: number): number {
  // `small[0..k)` holds the k largest seen so far, ascending; insertion keeps it so.
  let filled = 0;
  for (let p = 0, at = off; p < n; p++, at += stride) {
    const v = a[at];
    if (filled < k) {
      let i = filled++;
      while (i > 0 && small[i - 1] > v) small[i] = small[--i];
      small[i] = v;
    } else if (v > small[0]) {
      let i = 0;
      while (i + 1 < k && small[i + 1] < v) {
        small[i] = small[i + 1];
        i++;
      }
      small[i] = v;
    }
  }
  return multisetSum(small, 0, k) / k;
}

/** top10 of the contiguous values `a[off, off+n)`, leaving them untouched. */
function topMean(a: Float32Array, off: number, n: number, k: number): number {
  if (k < SMALL_K) return topMeanSmall(a, off, 1, n, k);
  if (n >= SAMPLED_MIN) return topMeanSampled(a, off, n, k);
  return topMeanOfCopy(a, off, n, k);
}

function poolFeature(a: Float32Array, maps: number, P: number, mean?: Float32Array, max?: Float32Array, top?: Float32Array): void {
  const k = topKCount(P);
  for (let m = 0, o = 0; m < maps; m++, o += P) {
    if (mean && max) {
      let s = 0;
      let hi = -Infinity;
      for (let p = o, end = o + P; p < end; p++) {
        const v = a[p];
        s += v;
        if (v > hi) hi = v;
      }
      mean[m] = s / P;
      max[m] = hi;
    } else if (mean) {
      let s = 0;
      for (let p = o, end = o + P; p < end; p++) s += a[p];
      mean[m] = s / P;
    } else if (max) {
      let hi = -Infinity;
      for (let p = o, end = o + P; p < end; p++) if (a[p] > hi) hi = a[p];
      max[m] = hi;
    }
    if (top) top[m] = topMean(a, o, P, k);
  }
}

function poolTokens(a: Float32Array, N: number, T: number, D: number, mean?: Float32Array, max?: Float32Array, top?: Float32Array): void {
  const sums = new Float64Array(D);
  const highs = new Float32Array(D);
  const k = topKCount(T);
  const transposed = top && k >= SMALL_K ? (transposeBuf = grow(transposeBuf, T * D)) : undefined;
  for (let n = 0; n < N; n++) {
    const image = n * T * D;
    const out = n * D;
    if (mean || max) {
      // Token-major walk: each token's D values are contiguous, so accumulate all neurons at once.
      sums.fill(0);
      highs.fill(-Infinity);
      for (let t = 0, row = image; t < T; t++, row += D) {
        for (let d = 0; d < D; d++) {
          const v = a[row + d];
          sums[d] += v;
          if (v > highs[d]) highs[d] = v;
        }
      }
      for (let d = 0; d < D; d++) {
        if (mean) mean[out + d] = sums[d] / T;
        if (max) max[out + d] = highs[d];
      }
    }
    if (top && transposed) {
      // Gather each neuron's T values contiguously (reads stay sequential), then select per row.
      for (let t = 0, row = image; t < T; t++, row += D) {
        for (let d = 0, at = t; d < D; d++, at += T) transposed[at] = a[row + d];
      }
      for (let d = 0; d < D; d++) top[out + d] = topMean(transposed, d * T, T, k);
    } else if (top) {
      // Few tokens (k < SMALL_K): the strided walk touches only this image's small slice.
      for (let d = 0; d < D; d++) top[out + d] = topMeanSmall(a, image + d, D, T, k);
    }
  }
}

/**
 * Pools one batch of a tapped tensor. Returns, for each requested pooling, a Float32Array
 * `[N × neurons]` (row-major: image, then neuron).
 */
export function poolBatch<P extends Pooling>(
  data: Float32Array,
  dims: readonly number[],
  kind: TapKind,
  poolings: readonly P[],
): Record<P, Float32Array> {
  const { images, neurons, positions } = tapShape(dims, kind, data.length);
  const result = {} as Record<P, Float32Array>;
  for (const pooling of poolings) {
    if (!POOLINGS.includes(pooling)) throw new RangeError(`pool: unknown pooling '${pooling}'`);
    result[pooling] = kind === 'vector' ? data.slice() : new Float32Array(images * neurons);
  }
  if (kind === 'vector') return result; // one position: mean = max = top10 = the value
  const out = result as Partial<Record<Pooling, Float32Array>>;
  if (kind === 'feature') poolFeature(data, images * neurons, positions, out.mean, out.max, out.top10);
  else poolTokens(data, images, positions, neurons, out.mean, out.max, out.top10);
  return result;
}
