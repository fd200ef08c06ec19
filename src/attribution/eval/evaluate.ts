/**
 * The curves of one image: every perturbed image of every requested curve, of every map (the
 * methods' and the random ones), is written into one reused buffer and scored in as few
 * BoundTarget.score calls as memory allows (normally one per image; the Attributor splits it into
 * runs of maxBatch). The clean image and each baseline image are shared end points of all curves
 * and are scored once.
 */
import type { BoundTarget } from '../types.js';
import { curveArea, makeCurve, normalisation } from './curves.js';
import { rankUnits, stepCounts, unitScores, type UnitGrid } from './order.js';
import { imageSize, writeCurveImages, type TensorGeometry } from './perturb.js';
import type { BaselineKind, Curve, CurveArea, CurveKind, Normalisation } from './types.js';

/** Baselines of the curve families. */
export interface CurveBaselines {
  /** MoRF/LeRF (pixel flipping). */
  flip: BaselineKind;
  deletion: BaselineKind;
  insertion: BaselineKind;
}

/** Curves and areas of one map. */
export interface MapCurves {
  curves: Partial<Record<CurveKind, Curve>>;
  areas: Partial<Record<CurveKind, CurveArea>>;
}

export interface ImageCurves {
  /** Score of the clean image in the evaluation batch. */
  clean: number;
  normalisation: Partial<Record<CurveKind, Normalisation>>;
  maps: MapCurves[];
}

/** Default memory for one image's perturbed batch (floats are 4 bytes). */
const BUFFER_BYTES = 256 * 1024 * 1024;

interface Job {
  map: number;
  kind: CurveKind;
  order: Int32Array;
  from: 'clean' | BaselineKind;
  to: 'clean' | BaselineKind;
}

export class CurveEvaluator {
  private buffer = new Float32Array(0);
  private readonly counts: Int32Array;
  private readonly scores: Float64Array;
  private readonly perImage: number;

  /**
   * @param curves the curves every map gets
   * @param fill the baseline image of an image (the same for all maps of one image)
   * @param bufferBytes most bytes of perturbed images per score call
   */
  constructor(
    private readonly geometry: TensorGeometry,
    private readonly grid: UnitGrid,
    readonly steps: number,
    private readonly curves: readonly CurveKind[],
    private readonly baselines: CurveBaselines,
    private readonly fill: (image: Float32Array, kind: BaselineKind) => Float32Array,
    /** Most bytes of perturbed images per score call (more maps are split over several calls). Default 256 MiB. */
    private readonly bufferBytes = BUFFER_BYTES,
  ) {
    this.counts = stepCounts(grid.count, steps);
    this.scores = new Float64Array(grid.count);
    this.perImage = imageSize(geometry);
  }

  /** The baseline each curve ends (MoRF, LeRF, deletion) or starts (insertion) at. */
  baselineOf(kind: CurveKind): BaselineKind {
    return kind === 'deletion' ? this.baselines.deletion : kind === 'insertion' ? this.baselines.insertion : this.baselines.flip;
  }

  /** Deletion is MoRF with its own baseline; when both baselines agree it is the MoRF curve itself. */
  private deletionIsMorf(curves: readonly CurveKind[]): boolean {
    return curves.includes('morf') && this.baselines.deletion === this.baselines.flip;
  }

  /**
   * Scores the curves of each map of `image`. `curvesOf(i)` may narrow the curves of map i (random
   * maps run no LeRF: see the protocol).
   */
  async evaluate(image: Float32Array, bound: BoundTarget, maps: readonly ArrayLike<number>[], curvesOf?: (map: number) => readonly CurveKind[]): Promise<ImageCurves> {
    const n = this.perImage;
    const kindsOf = (i: number) => (curvesOf ? curvesOf(i) : this.curves);
    const needed = new Set<BaselineKind>();
    const jobs: Job[] = [];
    maps.forEach((map, i) => {
      const kinds = kindsOf(i);
      unitScores(map, this.grid, this.scores);
      const morf = kinds.some((k) => k !== 'lerf') ? rankUnits(this.scores, 'morf') : undefined;
      for (const kind of kinds) {
        const base = this.baselineOf(kind);
        needed.add(base);
        if (kind === 'deletion' && this.deletionIsMorf(kinds)) continue;
        const order = kind === 'lerf' ? rankUnits(this.scores, 'lerf') : morf!;
        jobs.push(kind === 'insertion' ? { map: i, kind, order, from: base, to: 'clean' } : { map: i, kind, order, from: 'clean', to: base });
      }
    });
    const endpoints: ('clean' | BaselineKind)[] = ['clean', ...needed];
    const images = new Map<'clean' | BaselineKind, Float32Array>([['clean', image]]);
    for (const kind of needed) images.set(kind, this.fill(image, kind));

    // Pack endpoints + jobs into calls that fit the buffer.
    const interior = this.steps - 1;
    const capacity = Math.max(endpoints.length + interior, Math.floor(this.bufferBytes / 4 / n));
    const raw = new Map<Job, Float32Array>();
    const endScores = new Map<'clean' | BaselineKind, number>();
    let at = 0;
    while (at < jobs.length || endScores.size === 0) {
      let slot = 0;
      const first = endScores.size === 0;
      const size = (first ? endpoints.length : 0) + Math.max(1, Math.min(jobs.length - at, Math.floor((capacity - (first ? endpoints.length : 0)) / Math.max(1, interior)))) * interior;
      if (this.buffer.length < size * n) this.buffer = new Float32Array(size * n);
      if (first) for (const e of endpoints) this.buffer.set(images.get(e)!, slot++ * n);
      const batch: Job[] = [];
      while (at < jobs.length && slot + interior <= size) {
        const job = jobs[at++]!;
        slot = writeCurveImages(images.get(job.from)!, images.get(job.to)!, job.order, this.counts, this.grid, this.geometry, this.buffer, slot);
        batch.push(job);
      }
      const scores = await bound.score(this.buffer.subarray(0, slot * n), slot);
      let read = 0;
      if (first) for (const e of endpoints) endScores.set(e, scores[read++]!);
      for (const job of batch) {
        raw.set(job, scores.subarray(read, read + interior));
        read += interior;
      }
      if (jobs.length === 0) break;
    }
    return this.assemble(jobs, raw, endScores, maps.length, kindsOf, bound.quantity);
  }

  private assemble(
    jobs: readonly Job[],
    raw: ReadonlyMap<Job, Float32Array>,
    ends: ReadonlyMap<'clean' | BaselineKind, number>,
    mapCount: number,
    kindsOf: (map: number) => readonly CurveKind[],
    quantity: BoundTarget['quantity'],
  ): ImageCurves {
    const clean = ends.get('clean')!;
    const norms: Partial<Record<CurveKind, Normalisation>> = {};
    const out: MapCurves[] = Array.from({ length: mapCount }, () => ({ curves: {}, areas: {} }));
    const normOf = (kind: CurveKind) => (norms[kind] ??= normalisation(quantity, clean, ends.get(this.baselineOf(kind))!));
    for (const job of jobs) {
      const base = ends.get(this.baselineOf(job.kind))!;
      const values = job.kind === 'insertion' ? [base, ...raw.get(job)!, clean] : [clean, ...raw.get(job)!, base];
      const curve = makeCurve(values, normOf(job.kind));
      out[job.map]!.curves[job.kind] = curve;
      out[job.map]!.areas[job.kind] = curveArea(curve);
    }
    for (let i = 0; i < mapCount; i++) {
      const kinds = kindsOf(i);
      if (kinds.includes('deletion') && this.deletionIsMorf(kinds)) {
        const morf = out[i]!.curves.morf!;
        const curve = makeCurve(morf.raw, normOf('deletion'));
        out[i]!.curves.deletion = curve;
        out[i]!.areas.deletion = curveArea(curve);
      }
    }
    return { clean, normalisation: norms, maps: out };
  }
}
