/**
 * From a pixel map to the order in which units are perturbed: the map is averaged over
 * non-overlapping unit×unit patches (edge patches may be smaller and are averaged over the pixels
 * they hold), units are numbered row-major over the patch grid, and ranked by score — descending
 * for MoRF, ascending for LeRF — ties broken by the lower unit index so the order is deterministic.
 */

/** The patch grid of an H×W map for a given unit side. */
export interface UnitGrid {
  height: number;
  width: number;
  unit: number;
  rows: number;
  cols: number;
  /** Number of units U = rows · cols. */
  count: number;
  /** Pixel indices (row-major in H×W) of unit u: pixels[starts[u] … starts[u + 1]). */
  pixels: Int32Array;
  starts: Int32Array;
}

export function unitGrid(height: number, width: number, unit: number): UnitGrid {
  if (!(Number.isInteger(unit) && unit >= 1)) throw new RangeError(`unit must be a positive integer, got ${unit}`);
  const rows = Math.ceil(height / unit);
  const cols = Math.ceil(width / unit);
  const count = rows * cols;
  const pixels = new Int32Array(height * width);
  const starts = new Int32Array(count + 1);
  let at = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      starts[r * cols + c] = at;
      for (let y = r * unit; y < Math.min(height, (r + 1) * unit); y++) {
        for (let x = c * unit; x < Math.min(width, (c + 1) * unit); x++) pixels[at++] = y * width + x;
      }
    }
  }
  starts[count] = at;
  return { height, width, unit, rows, cols, count, pixels, starts };
}

/** The map averaged over each unit (length U). `into` is reused when given. */
export function unitScores(map: ArrayLike<number>, grid: UnitGrid, into?: Float64Array): Float64Array {
  if (map.length !== grid.height * grid.width) {
    throw new RangeError(`map has ${map.length} values, the grid needs ${grid.height}×${grid.width}`);
  }
  const out = into ?? new Float64Array(grid.count);
  for (let u = 0; u < grid.count; u++) {
    let sum = 0;
    const end = grid.starts[u + 1]!;
    for (let i = grid.starts[u]!; i < end; i++) sum += map[grid.pixels[i]!]!;
    out[u] = sum / (end - grid.starts[u]!);
  }
  return out;
}

/**
 * Unit indices by score, descending ('morf') or ascending ('lerf'); equal scores keep the lower
 * index first in both directions. NaN scores are not allowed (the caller checks maps).
 */
export function rankUnits(scores: ArrayLike<number>, direction: 'morf' | 'lerf'): Int32Array {
  const order = Int32Array.from({ length: scores.length }, (_, i) => i);
  const sign = direction === 'morf' ? -1 : 1;
  order.sort((a, b) => sign * (scores[a]! - scores[b]!) || a - b);
  return order;
}

/** Units replaced at step k of S: n_k = round(k·U/S) (k = 0…S; n_0 = 0, n_S = U). */
export function stepCounts(units: number, steps: number): Int32Array {
  if (!(Number.isInteger(steps) && steps >= 1)) throw new RangeError(`steps must be a positive integer, got ${steps}`);
  return Int32Array.from({ length: steps + 1 }, (_, k) => Math.round((k * units) / steps));
}

/** x = k/S for k = 0…S. */
export function stepFractions(steps: number): number[] {
  return Array.from({ length: steps + 1 }, (_, k) => k / steps);
}
