/**
 * The random-map baseline: uniform [0, 1) maps from mulberry32, one stream per (seed, image index,
 * map index), so any image's random maps can be recomputed alone. A uniform random map ranks the
 * units in a uniformly random order; its LeRF order (the reverse ranking) is again a uniformly
 * random order, so one random-order pixel-flipping curve serves as the baseline of both MoRF and
 * LeRF (eval.json repeats it under both names) and random maps run no separate LeRF curve.
 */
import { Random } from '../../util/random.js';
import type { MapCurves } from './evaluate.js';
import { meanAreas, meanCurves, type RandomCurves } from './report.js';
import type { CurveArea, CurveKind } from './types.js';

/** Seed of random map `r` of image `image`. */
export function randomMapSeed(seed: number, image: number, r: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x5bd1e995, 0x27d4eb2d) >>> 0;
  h = Math.imul(h ^ (image + 0x632be5ab), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (r + 0x165667b1), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** One uniform random map of `size` pixels. */
export function randomMap(size: number, seed: number): Float32Array {
  const rng = new Random(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.next();
  return out;
}

/** The curves random maps run: the requested ones, LeRF replaced by the (shared) random-order MoRF curve. */
export function randomCurveKinds(curves: readonly CurveKind[]): CurveKind[] {
  const kinds = new Set<CurveKind>(curves.map((k) => (k === 'lerf' ? 'morf' : k)));
  return [...kinds];
}

/**
 * The baseline of one set of random maps of an image: mean areas and mean normalised curves, with
 * the random-order MoRF curve also standing for LeRF when LeRF was requested, and no MoRF entry when
 * only LeRF was (the random maps ran it in MoRF's place).
 */
export function randomBaseline(maps: readonly MapCurves[], curves: readonly CurveKind[]): { areas: Partial<Record<CurveKind, CurveArea>>; curves: RandomCurves } {
  const areas = meanAreas(maps.map((c) => c.areas));
  const mean = meanCurves(maps.map((c) => c.curves));
  if (areas.morf && curves.includes('lerf')) areas.lerf = areas.morf;
  if (mean.morf && curves.includes('lerf')) mean.lerf = mean.morf;
  if (!curves.includes('morf')) {
    delete areas.morf;
    delete mean.morf;
  }
  return { areas, curves: mean };
}
