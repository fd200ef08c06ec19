/**
 * Occlusion (Zeiler & Fergus, 2014): a square window slides over the input; inside it the image is
 * replaced by the baseline (fill.ts); the map value at a pixel is the mean, over the windows that
 * cover it, of (clean score − occluded score). Window positions along an axis are 0, s, 2s, … up to
 * size − window, plus size − window itself when the stride does not land there, so every pixel is
 * covered. All windows of an image run as rows of batches of at most maxBatch, each batch one
 * Float32Array filled in place.
 */
import { FILL_OPTION, fillBaseline, type FillKind } from './fill.js';
import { positiveIntegerRule, sideRule, type AttributionMethodSpec } from './method.js';
import type { MethodContext } from './scorer.js';
import type { AttributionMap } from './types.js';

declare module './types.js' {
  interface MethodOptions {
    /** occlusion: side of the square occluding window in input pixels. Default: ⌈H/8⌉ (8 at 64). */
    window?: number;
    /** occlusion: step between windows. Default: window/2. */
    stride?: number;
  }
}

export interface OcclusionOptions {
  /** Side of the square window in input pixels (≤ the shorter side). */
  window: number;
  /** Step between window positions (≥ 1). */
  stride: number;
  /** What fills the window. */
  fill: FillKind;
}

/** Window start positions along an axis of `size` pixels (see the module comment). */
export function windowStarts(size: number, window: number, stride: number): number[] {
  const starts: number[] = [];
  for (let s = 0; s + window <= size; s += stride) starts.push(s);
  if (starts.at(-1)! + window < size) starts.push(size - window);
  return starts;
}

/** The occlusion map and the number of forward passes of the windows. */
export async function occlusionMap(ctx: MethodContext, options: OcclusionOptions): Promise<{ map: AttributionMap; passes: number }> {
  const { image, shape, scorer, clean } = ctx;
  const { height, width } = shape;
  const { window } = options;
  const base = fillBaseline(image, shape, options.fill);
  const ys = windowStarts(height, window, options.stride);
  const xs = windowStarts(width, window, options.stride);
  const total = ys.length * xs.length;
  const size = image.length;
  const sum = new Float64Array(height * width);
  const count = new Uint32Array(height * width);
  // A window is `planes` × `window` runs of contiguous values: per channel plane and row (NCHW),
  // or per row with the channels interleaved (NHWC).
  const pixelStride = shape.layout === 'NCHW' ? 1 : shape.channels;
  const planes = shape.layout === 'NCHW' ? shape.channels : 1;
  const planeSize = shape.layout === 'NCHW' ? height * width : 0;
  const run = window * pixelStride;
  const corner = (w: number): [number, number] => [ys[Math.floor(w / xs.length)]!, xs[w % xs.length]!];
  const accumulate = async (batch: { start: number; n: number; scores: Promise<Float32Array> }) => {
    const scores = await batch.scores;
    for (let r = 0; r < batch.n; r++) {
      const [y0, x0] = corner(batch.start + r);
      const delta = clean - scores[r]!;
      for (let y = y0; y < y0 + window; y++) {
        for (let p = y * width + x0; p < y * width + x0 + window; p++) {
          sum[p]! += delta;
          count[p]!++;
        }
      }
    }
  };
  let inFlight: { start: number; n: number; scores: Promise<Float32Array> } | undefined;
  for (let start = 0; start < total; start += scorer.maxBatch) {
    const n = Math.min(scorer.maxBatch, total - start);
    const data = new Float32Array(n * size);
    for (let r = 0; r < n; r++) {
      const [y0, x0] = corner(start + r);
      const row = r * size;
      data.set(image, row);
      for (let c = 0; c < planes; c++) {
        for (let dy = 0; dy < window; dy++) {
          const i = c * planeSize + ((y0 + dy) * width + x0) * pixelStride;
          for (let k = i; k < i + run; k++) data[row + k] = base[k]!;
        }
      }
    }
    // The next batch is built while the worker runs this one (runs queue in the session).
    const batch = { start, n, scores: scorer.scoreOwned(data, n) };
    batch.scores.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    if (inFlight) await accumulate(inFlight);
    inFlight = batch;
  }
  if (inFlight) await accumulate(inFlight);
  const data = new Float32Array(height * width);
  for (let p = 0; p < data.length; p++) data[p] = count[p]! > 0 ? sum[p]! / count[p]! : 0;
  return { map: { data, height, width }, passes: total };
}

/** Occlusion in the method registry. */
export const occlusion: AttributionMethodSpec = {
  name: 'occlusion',
  summary: 'a sliding window hides the image; one pass per window position',
  options: [
    {
      key: 'window',
      flag: '--window',
      placeholder: '<n>',
      parse: 'integer',
      doc: 'window side in input pixels',
      defaultDoc: '⌈H/8⌉',
      default: (ctx) => Math.max(1, Math.ceil(Math.min(ctx.height, ctx.width) / 8)),
      rule: sideRule(' (the shorter input side)'),
    },
    {
      key: 'stride',
      flag: '--stride',
      placeholder: '<n>',
      parse: 'integer',
      doc: 'step between windows',
      defaultDoc: 'window/2',
      default: (ctx) => Math.max(1, Math.floor((ctx.resolved.window as number) / 2)),
      rule: positiveIntegerRule,
    },
    FILL_OPTION,
  ],
  attribute: (run) => occlusionMap(run, { window: run.options.window!, stride: run.options.stride!, fill: run.options.fill! }),
};
