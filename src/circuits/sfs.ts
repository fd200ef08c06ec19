/**
 * Semantic Flow Score (issue 5): how much of a target neuron's top-1 % reference images the source
 * neuron shares, SFS = |T1(l,c) ∩ T1(l+1,c′)| / |T1(l+1,c′)|. Sets are Int32Arrays of image indices,
 * sorted ascending and without repeats (as ReferenceLayer keeps them).
 */

/** |a ∩ b| for sorted, duplicate-free arrays: a merge, galloping through the longer one when the sizes differ a lot. */
export function intersectionSize(a: Int32Array, b: Int32Array): number {
  if (a.length > b.length) [a, b] = [b, a];
  if (a.length === 0) return 0;
  if (b.length > 16 * a.length) return gallopCount(a, b);
  let i = 0;
  let j = 0;
  let count = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      count++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return count;
}

/** Each element of the short array is located in the long one by exponential then binary search. */
function gallopCount(short: Int32Array, long: Int32Array): number {
  let count = 0;
  let lo = 0;
  for (let i = 0; i < short.length && lo < long.length; i++) {
    const x = short[i]!;
    let step = 1;
    let hi = lo;
    while (hi < long.length && long[hi]! < x) {
      lo = hi + 1;
      hi += step;
      step *= 2;
    }
    hi = Math.min(hi, long.length - 1);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (long[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    if (long[lo] === x) {
      count++;
      lo++;
    }
  }
  return count;
}

/** SFS of one source set against one target set (0 for an empty target). */
export function semanticFlowScore(source: Int32Array, target: Int32Array): number {
  return target.length === 0 ? 0 : intersectionSize(source, target) / target.length;
}

/**
 * SFS of one source against every target of the next layer. The source's set is marked once in a
 * bitmap over the `images` reference images, so each target costs |T1(target)| lookups.
 */
export function semanticFlowScores(source: Int32Array, targets: readonly Int32Array[], images: number): Float64Array {
  const marked = new Uint8Array(images);
  for (let i = 0; i < source.length; i++) marked[source[i]!] = 1;
  const out = new Float64Array(targets.length);
  for (let t = 0; t < targets.length; t++) {
    const target = targets[t]!;
    if (target.length === 0) continue;
    let hits = 0;
    for (let i = 0; i < target.length; i++) hits += marked[target[i]!]!;
    out[t] = hits / target.length;
  }
  return out;
}
