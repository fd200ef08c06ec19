/**
 * The smoothness-matched random baseline. A scattered random map (random-maps.ts) removes units
 * spread over the whole image, which with a constant baseline colour breaks every shape at once, so
 * its MoRF curve falls fast whatever the order; a smooth map (a CAM read at a 2×2 layer, upsampled)
 * removes contiguous blobs instead. A fair chance level for a map is therefore a random map of the
 * same smoothness: uniform [0, 1) values on a coarse k×k grid, upsampled bilinearly to the input.
 *
 * Smoothness is measured on what the curves use, the MoRF order: the Pearson correlation of the rank
 * positions of horizontally and vertically adjacent units ("unit autocorrelation"; 1 = the order
 * sweeps contiguous regions, ~0 = scattered). Each candidate grid k ∈ {2, 4, 8, …} (k at most the
 * unit grid's shorter side) has a reference autocorrelation, the mean over REFERENCE_MAPS seeded
 * smooth maps (fixed seeds, so the rule depends on the map alone). A map is matched to the finest
 * grid whose reference is at least the map's own autocorrelation — random maps at least as smooth as
 * the map, but no smoother than needed — or to the coarsest grid when the map is smoother than all.
 */
import { Random } from '../../util/random.js';
import { rankUnits, unitScores, type UnitGrid } from './order.js';
import { randomMapSeed } from './random-maps.js';

/** Seeded smooth maps averaged for a grid's reference autocorrelation. */
export const REFERENCE_MAPS = 8;
/** Seed of the reference maps (independent of --seed: the grid rule must not move with it). */
const REFERENCE_SEED = 0x5eed;

/** Seed of smooth random map `r` on grid k of image `image` (a stream apart from the scattered maps'). */
export function smoothMapSeed(seed: number, image: number, r: number, k: number): number {
  return randomMapSeed(seed, image, 0x10000 * k + r + 0x7fff);
}

/**
 * An H×W map: uniform [0, 1) values on a k×k grid (row-major from one mulberry32 stream), upsampled
 * bilinearly with cell-centred sampling (pixel centre y + ½ maps to grid coordinate (y + ½)·k/H − ½,
 * clamped to the border cells).
 */
export function smoothRandomMap(height: number, width: number, k: number, seed: number): Float32Array {
  if (!(Number.isInteger(k) && k >= 2)) throw new RangeError(`smooth random grid must be an integer ≥ 2, got ${k}`);
  const rng = new Random(seed);
  const cells = Float64Array.from({ length: k * k }, () => rng.next());
  const axis = (n: number) =>
    Array.from({ length: n }, (_, i) => {
      const g = Math.min(k - 1, Math.max(0, ((i + 0.5) * k) / n - 0.5));
      const lo = Math.min(k - 2, Math.floor(g));
      return { lo, hi: lo + 1, t: g - lo };
    });
  const ys = axis(height);
  const xs = axis(width);
  const out = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    const { lo: r0, hi: r1, t: ty } = ys[y]!;
    for (let x = 0; x < width; x++) {
      const { lo: c0, hi: c1, t: tx } = xs[x]!;
      const top = cells[r0 * k + c0]! * (1 - tx) + cells[r0 * k + c1]! * tx;
      const bottom = cells[r1 * k + c0]! * (1 - tx) + cells[r1 * k + c1]! * tx;
      out[y * width + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

/** The candidate grids for a unit grid: 2, 4, 8, … up to its shorter side (none below 2 units a side). */
export function smoothGrids(grid: UnitGrid): number[] {
  const out: number[] = [];
  for (let k = 2; k <= Math.min(grid.rows, grid.cols); k *= 2) out.push(k);
  return out;
}

/**
 * Unit autocorrelation of a map: Pearson correlation, over all pairs of horizontally or vertically
 * adjacent units, of their positions in the MoRF order (ties broken as the curves break them). 0 for
 * fewer than two pairs.
 */
export function unitAutocorrelation(map: ArrayLike<number>, grid: UnitGrid): number {
  const order = rankUnits(unitScores(map, grid), 'morf');
  const rank = new Float64Array(grid.count);
  order.forEach((u, i) => (rank[u] = i));
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) {
      const u = r * grid.cols + c;
      if (c + 1 < grid.cols) (a.push(rank[u]!), b.push(rank[u + 1]!));
      if (r + 1 < grid.rows) (a.push(rank[u]!), b.push(rank[u + grid.cols]!));
    }
  }
  if (a.length < 2) return 0;
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** A candidate grid and its reference autocorrelation. */
export interface GridReference {
  k: number;
  autocorrelation: number;
}

/** Picks the smooth random grid of each map (see the module comment); the references are computed once. */
export class SmoothMatcher {
  readonly references: GridReference[];

  constructor(private readonly grid: UnitGrid) {
    this.references = smoothGrids(grid).map((k) => {
      let sum = 0;
      for (let r = 0; r < REFERENCE_MAPS; r++) sum += unitAutocorrelation(smoothRandomMap(grid.height, grid.width, k, smoothMapSeed(REFERENCE_SEED, 0, r, k)), grid);
      return { k, autocorrelation: sum / REFERENCE_MAPS };
    });
  }

  /** The map's autocorrelation and its grid (undefined when the unit grid is too small for any). */
  match(map: ArrayLike<number>): { k: number; autocorrelation: number } | undefined {
    if (this.references.length === 0) return undefined;
    const autocorrelation = unitAutocorrelation(map, this.grid);
    const smooth = this.references.filter((ref) => ref.autocorrelation >= autocorrelation);
    const k = smooth.length > 0 ? Math.max(...smooth.map((ref) => ref.k)) : this.references[0]!.k;
    return { k, autocorrelation };
  }
}
