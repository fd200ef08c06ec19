/**
 * Reference statistics for Granular Concept Circuits (issue 5): for every neuron, its top 1 % and
 * top 10 % reference images (T1, T10) under the `top10` pooling (mean of the top 10 % positions of
 * its map), and the activations θ1, θ10 at those ranks, so that a query image outside the reference
 * set can be placed: q ∈ T ⇔ act(q) ≥ θ.
 *
 * Conventions (documented in ReferenceLayer): |T1| = max(1, ⌈N/100⌉), |T10| = max(1, ⌈N/10⌉),
 * capped at N — the same ⌈·⌉ as the run's activation rate; images ranked by activation descending,
 * ties to the lower image index, NaN last; θ is the activation of the set's last (k-th) member.
 */
import { openRun } from '../run/open.js';
import type { OpenRun } from '../run/types.js';
import type { ReferenceLayer, TopLevel } from './types.js';

/** Reference statistics of a run: one entry per layer, in the manifest's (topological) order. */
export interface Reference {
  images: number;
  layers: ReferenceLayer[];
}

/** |T1| for N images. Integer arithmetic: 0.01·N in floating point can land just above an integer. */
export function top1Size(images: number): number {
  return Math.min(images, Math.max(1, Math.floor((images + 99) / 100)));
}

/** |T10| for N images. */
export function top10Size(images: number): number {
  return Math.min(images, Math.max(1, Math.floor((images + 9) / 10)));
}

/**
 * The k-th largest of `values` (1-based k), by quickselect; `values` is reordered. Expected O(n):
 * a per-channel selection instead of a full sort (25k images × 512 channels stays well under a second).
 */
function kthLargest(values: Float32Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  const target = k - 1; // position in descending order
  while (hi > lo) {
    // Median of three as the pivot keeps sorted or reversed columns from going quadratic.
    const mid = (lo + hi) >>> 1;
    const a = values[lo]!;
    const b = values[mid]!;
    const c = values[hi]!;
    const pivot = a > b ? (b > c ? b : a > c ? c : a) : a > c ? a : b > c ? c : b;
    let i = lo;
    let j = hi;
    // Hoare partition, descending: equal elements split to both sides, so ties cannot degrade it.
    while (i <= j) {
      while (values[i]! > pivot) i++;
      while (values[j]! < pivot) j--;
      if (i <= j) {
        const tmp = values[i]!;
        values[i] = values[j]!;
        values[j] = tmp;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target]!;
  }
  return values[target]!;
}

/**
 * The top `k` entries of `column` (value descending, ties to lower index): their indices ascending
 * and the k-th value. `positions` restricts the search to those indices (ascending), else all.
 */
function topK(column: Float32Array, k: number, scratch: Float32Array, positions?: Int32Array): { members: Int32Array; theta: number } {
  const count = positions ? positions.length : column.length;
  for (let i = 0; i < count; i++) scratch[i] = column[positions ? positions[i]! : i]!;
  const theta = kthLargest(scratch.subarray(0, count), k);
  // Everything strictly above θ is in; the remaining places go to the lowest-indexed ties at θ.
  let above = 0;
  for (let i = 0; i < count; i++) if (column[positions ? positions[i]! : i]! > theta) above++;
  let ties = k - above;
  const members = new Int32Array(k);
  let m = 0;
  for (let i = 0; i < count && m < k; i++) {
    const index = positions ? positions[i]! : i;
    const v = column[index]!;
    if (v > theta || (v === theta && ties-- > 0)) members[m++] = index;
  }
  return { members, theta };
}

/**
 * Reference statistics of one layer from its activation matrix (row-major, images × channels).
 * NaN activations rank below every number.
 */
export function referenceFromMatrix(matrix: Float32Array, images: number, channels: number, layer = ''): ReferenceLayer {
  if (matrix.length !== images * channels) throw new RangeError(`referenceFromMatrix: ${matrix.length} values for ${images} × ${channels}`);
  const k1 = top1Size(images);
  const k10 = top10Size(images);
  const T1: Int32Array[] = [];
  const T10: Int32Array[] = [];
  const theta1 = new Float32Array(channels);
  const theta10 = new Float32Array(channels);
  const column = new Float32Array(images);
  const scratch = new Float32Array(images);
  for (let c = 0; c < channels; c++) {
    for (let i = 0, p = c; i < images; i++, p += channels) {
      const v = matrix[p]!;
      column[i] = v === v ? v : Number.NEGATIVE_INFINITY;
    }
    if (images === 0) {
      T1.push(new Int32Array(0));
      T10.push(new Int32Array(0));
      theta1[c] = theta10[c] = Number.NaN;
      continue;
    }
    const ten = topK(column, k10, scratch);
    // T1 is a prefix of the same ranking, so it is the top k1 within T10.
    const one = topK(column, k1, scratch, ten.members);
    T10.push(ten.members);
    T1.push(one.members);
    theta10[c] = ten.theta;
    theta1[c] = one.theta;
  }
  return { layer, images, channels, T1, T10, theta1, theta10 };
}

/**
 * Reference statistics of a run from its `activations/<layer>.top10.npy`: of `run` (a directory,
 * opened for `layers`: run layer ids or tensor names, default all recorded layers; or an already
 * opened run and its layers), in the manifest's order. Throws a NeurolensError when the run lacks
 * `top10` pooling, a layer is unknown, or a matrix is damaged or holds non-finite values.
 */
export async function loadReference(run: string | OpenRun, layers?: readonly string[]): Promise<Reference> {
  const opened = typeof run === 'string' ? await openRun(run, { layers: layers ?? 'all', poolings: ['top10'], images: false }) : run;
  const images = opened.manifest.images.count;
  const out: ReferenceLayer[] = [];
  for (const layer of opened.layers) {
    out.push(referenceFromMatrix(await opened.readActivations(layer, 'top10'), images, layer.channels, layer.id));
  }
  return { images, layers: out };
}

/** Whether a query with activation `value` on channel `c` falls in that neuron's T1 or T10 (act ≥ θ). */
export function isTop(reference: ReferenceLayer, c: number, value: number, level: TopLevel): boolean {
  const theta = level === '1' ? reference.theta1[c]! : reference.theta10[c]!;
  return value >= theta;
}
