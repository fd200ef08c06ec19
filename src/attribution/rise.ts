/**
 * RISE (Petsiuk et al., 2018): N random masks; each is a cells×cells grid of cells kept with
 * probability p, upsampled bilinearly to (cells+1)·cell pixels per side (cell = ⌈H/cells⌉ rows,
 * ⌈W/cells⌉ columns; upsampleBilinear, align_corners=false) and cropped to H×W at a random offset
 * in [0, cell) — smooth masks whose cell borders do not sit at fixed places. A masked input is
 * image⊙M + baseline⊙(1−M) (baseline from fill.ts; 'zero' gives the paper's image⊙M in tensor
 * units). map = Σ_i score_i·M_i / (N·p).
 *
 * Masks come from src/util/random.ts seeded with `seed`, drawn mask by mask (the cells in raster
 * order, then the row and the column offset), so maps are reproducible and do not depend on
 * maxBatch. Masks are made per batch and never all held at once.
 */
import { upsampleBilinear } from '../maps/region.js';
import { Random } from '../util/random.js';
import { FILL_OPTION, blendInto, fillBaseline, type FillKind } from './fill.js';
import { nonNegativeIntegerRule, positiveIntegerRule, sideRule, type AttributionMethodSpec, type MethodOption } from './method.js';
import type { MethodContext } from './scorer.js';
import type { AttributionMap } from './types.js';

declare module './types.js' {
  interface MethodOptions {
    /** rise: number of random masks. Default 2000. */
    masks?: number;
    /** rise: cells per side of the coarse random grid. Default 8. */
    cells?: number;
    /** rise: probability that a cell is kept. Default 0.5. */
    keep?: number;
    /** rise, smoothgrad, smoothgrad-sq, vargrad, integrated-gradients (noise baseline): seed of the random masks or noise. Default 0. */
    seed?: number;
  }
}

export interface RiseOptions {
  /** Number of masks N. */
  masks: number;
  /** Cells per side of the coarse grid. */
  cells: number;
  /** Probability that a cell is kept (1 in the grid), in (0, 1]. */
  keep: number;
  /** Seed of the masks. */
  seed: number;
  /** What replaces the hidden part. */
  fill: FillKind;
}

/** Draws RISE masks one at a time (H×W each, values in [0, 1]). */
export class RiseMasks {
  private readonly random: Random;
  private readonly grid: Float32Array;
  private readonly cellH: number;
  private readonly cellW: number;

  constructor(
    private readonly height: number,
    private readonly width: number,
    private readonly options: Pick<RiseOptions, 'cells' | 'keep' | 'seed'>,
  ) {
    this.random = new Random(options.seed);
    this.grid = new Float32Array(options.cells * options.cells);
    this.cellH = Math.ceil(height / options.cells);
    this.cellW = Math.ceil(width / options.cells);
  }

  /** Writes the next mask into `out` (H×W). */
  next(out: Float32Array): void {
    const { cells, keep } = this.options;
    for (let i = 0; i < this.grid.length; i++) this.grid[i] = this.random.next() < keep ? 1 : 0;
    const dy = this.random.int(this.cellH);
    const dx = this.random.int(this.cellW);
    const upH = (cells + 1) * this.cellH;
    const upW = (cells + 1) * this.cellW;
    const up = upsampleBilinear({ data: this.grid, height: cells, width: cells }, upH, upW);
    for (let y = 0; y < this.height; y++) {
      const from = (y + dy) * upW + dx;
      out.set(up.subarray(from, from + this.width), y * this.width);
    }
  }
}

/** The RISE map and the number of forward passes of the masked inputs (= masks). */
export async function riseMap(ctx: MethodContext, options: RiseOptions): Promise<{ map: AttributionMap; passes: number }> {
  const { image, shape, scorer } = ctx;
  const { height, width } = shape;
  const pixels = height * width;
  const base = fillBaseline(image, shape, options.fill);
  const masks = new RiseMasks(height, width, options);
  const sum = new Float64Array(pixels);
  const batchMasks = new Float32Array(Math.min(scorer.maxBatch, options.masks) * pixels);
  const size = image.length;
  for (let start = 0; start < options.masks; start += scorer.maxBatch) {
    const n = Math.min(scorer.maxBatch, options.masks - start);
    const data = new Float32Array(n * size);
    for (let r = 0; r < n; r++) {
      const mask = batchMasks.subarray(r * pixels, (r + 1) * pixels);
      masks.next(mask);
      blendInto(data.subarray(r * size, (r + 1) * size), image, base, mask, shape);
    }
    const scores = await scorer.scoreOwned(data, n);
    for (let r = 0; r < n; r++) {
      const s = scores[r]!;
      const offset = r * pixels;
      for (let p = 0; p < pixels; p++) sum[p]! += s * batchMasks[offset + p]!;
    }
  }
  const norm = options.masks * options.keep;
  const data = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) data[p] = sum[p]! / norm;
  return { map: { data, height, width }, passes: options.masks };
}

/** `--seed`, shared by the methods that draw random masks or noise. */
export const SEED_OPTION: MethodOption = {
  key: 'seed',
  flag: '--seed',
  placeholder: '<n>',
  parse: 'integer',
  doc: 'seed of the random masks or noise',
  defaultDoc: '0',
  default: () => 0,
  rule: nonNegativeIntegerRule,
};

/** RISE in the method registry. */
export const rise: AttributionMethodSpec = {
  name: 'rise',
  summary: 'random smooth masks weighted by the score; one pass per mask',
  options: [
    { key: 'masks', flag: '--masks', placeholder: '<n>', parse: 'integer', doc: 'number of random masks', defaultDoc: '2000', default: () => 2000, rule: positiveIntegerRule },
    { key: 'cells', flag: '--cells', placeholder: '<n>', parse: 'integer', doc: 'cells per side of the random grid', defaultDoc: '8', default: () => 8, rule: sideRule() },
    {
      key: 'keep',
      flag: '--keep',
      placeholder: '<p>',
      parse: 'number',
      doc: 'probability a cell is kept',
      defaultDoc: '0.5',
      default: () => 0.5,
      rule: () => ({ ok: (v) => (v as number) > 0 && (v as number) <= 1, text: 'a number in (0, 1]' }),
    },
    SEED_OPTION,
    FILL_OPTION,
  ],
  attribute: (run) => riseMap(run, { masks: run.options.masks!, cells: run.options.cells!, keep: run.options.keep!, seed: run.options.seed!, fill: run.options.fill! }),
};
