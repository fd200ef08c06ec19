/**
 * DGA — Distilled Gradient Aggregation (Jeon, Jeong & Choi, "Distilled Gradient Aggregation: Purify
 * Features for Input Attribution in the Deep Neural Network", NeurIPS 2022). Gradients are
 * aggregated along a distillation path: the input loses its weakest contributors step by step, while
 * its extremely positive contributors are held out of each step's gradient so they do not dominate
 * it. Only the paper's abstract was available to us, so this implements the method as our issue
 * describes it; every choice the description leaves open is stated here.
 *
 *  - Features are pixels (all channels of a pixel together); "masked" sets the pixel's channels to
 *    the tensor 0, the normalisation mean colour (the zero baseline of the other path methods).
 *  - The path has N = `--steps` points p_0 … p_{N−1}, p_n = x ⊙ W_n ⊙ E_n, one gradient pass each
 *    (g_n = ∇f(p_n); sequential, since each point depends on the previous gradient).
 *  - Local attribution of pixel i: a(i) = Σ_c g_n[c,i]·x[c,i] — gradient × input at the latest
 *    path point where the pixel was present (a pixel held out by E_n keeps the score of its last
 *    step in: zeroing a pixel often zeroes its own gradient, which would mistake an extreme
 *    contributor for a weak one).
 *  - Weak-contributor mask W (distillation, permanent): W_0 keeps every pixel; W_{n+1} drops from
 *    W_n the pixels of smallest a until ⌊(n+1)·P/N⌋ of the P pixels are dropped (ties: lower
 *    index first), so step n of N has the weakest n/N masked out.
 *  - Extremely-positive-contributor mask E (regulariser, one step at a time): E_0 keeps every
 *    pixel; E_{n+1} holds out the ⌊q·P/100⌋ pixels (q = `--top-q` percent) of largest positive a
 *    among those W_{n+1} keeps and p_n had (pixels with a ≤ 0 are never extreme; a pixel held out
 *    at one step is back at the next, so a steadily extreme one is in every other step).
 *  - Aggregation: attr[c,i] = x[c,i] · (1/N)·Σ_n g_n[c,i] — the input times its gradient averaged
 *    over the distillation path (as Integrated Gradients averages it over the straight line), summed
 *    over channels into the map (path.ts).
 * Defaults: 50 steps (Integrated Gradients' usual count; the paper's is not known to us), q = 5 %.
 * Passes: N gradient passes, one image each.
 */
import type { AttributionMethodSpec } from './method.js';
import { valueIndex, type TensorShape } from './fill.js';
import { STEPS_OPTION, channelSum } from './path.js';
import type { MethodContext } from './scorer.js';
import type { AttributionMap } from './types.js';

declare module './types.js' {
  interface MethodOptions {
    /** dga: percent of the pixels, the strongest positive contributors, held out of each step's gradient, in [0, 100). Default 5. */
    topQ?: number;
  }
}

/** The path point x ⊙ keep (pixels with keep 0 set to the tensor 0 in every channel). */
function maskedInput(x: Float32Array, shape: TensorShape, keep: Uint8Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let p = 0; p < keep.length; p++) {
    if (!keep[p]) continue;
    for (let c = 0; c < shape.channels; c++) {
      const i = valueIndex(shape, c, p);
      out[i] = x[i]!;
    }
  }
  return out;
}

/** Pixel indices of `candidates` ordered by `score` ascending (ties: lower index first). */
function ascending(candidates: number[], score: Float64Array): number[] {
  return candidates.sort((a, b) => score[a]! - score[b]! || a - b);
}

/**
 * The masks after step `n` from the local attributions `a`: W (`weak`) updated in place, E ⊙ W
 * returned. `present` is the step's own mask (pixels held out then are not held out again).
 */
export function nextMasks(weak: Uint8Array, present: Uint8Array, a: Float64Array, n: number, steps: number, topQ: number): Uint8Array {
  const pixels = weak.length;
  const kept = [...weak.keys()].filter((p) => weak[p]);
  const dropNow = Math.max(0, Math.floor(((n + 1) * pixels) / steps) - (pixels - kept.length));
  const order = ascending(kept, a);
  for (const p of order.slice(0, dropNow)) weak[p] = 0;
  const keep = weak.slice();
  let extremes = Math.floor((topQ * pixels) / 100);
  for (let k = order.length - 1; k >= dropNow && extremes > 0; k--) {
    const p = order[k]!;
    if (a[p]! <= 0) break;
    if (!present[p]) continue;
    keep[p] = 0;
    extremes--;
  }
  return keep;
}

export async function dgaAttribution(ctx: MethodContext, steps: number, topQ: number): Promise<{ attribution: Float64Array; passes: number }> {
  const { image: x, shape } = ctx;
  const pixels = shape.height * shape.width;
  const weak = new Uint8Array(pixels).fill(1);
  let keep: Uint8Array = weak.slice();
  const sum = new Float64Array(x.length);
  const local = new Float64Array(pixels);
  for (let n = 0; n < steps; n++) {
    const g = (await ctx.gradients.compute(maskedInput(x, shape, keep), 1)).input!;
    for (let i = 0; i < sum.length; i++) sum[i]! += g[i]!;
    if (n === steps - 1) break;
    for (let p = 0; p < pixels; p++) {
      if (!keep[p]) continue; // held out (or dropped): keeps its last score
      let a = 0;
      for (let c = 0; c < shape.channels; c++) a += g[valueIndex(shape, c, p)]! * x[valueIndex(shape, c, p)]!;
      local[p] = a;
    }
    keep = nextMasks(weak, keep, local, n, steps, topQ);
  }
  return { attribution: Float64Array.from(sum, (s, i) => (x[i]! * s) / steps), passes: steps };
}

export async function dgaMap(ctx: MethodContext, steps: number, topQ: number): Promise<{ map: AttributionMap; passes: number }> {
  const { attribution, passes } = await dgaAttribution(ctx, steps, topQ);
  return { map: channelSum(attribution, ctx.shape), passes };
}

export const dga: AttributionMethodSpec = {
  name: 'dga',
  summary: 'input × gradients averaged along a path that drops the weakest pixels step by step; one gradient pass per step',
  options: [
    STEPS_OPTION,
    {
      key: 'topQ',
      flag: '--top-q',
      placeholder: '<percent>',
      parse: 'number',
      doc: 'percent of the pixels, the strongest positive contributors, held out of each step',
      defaultDoc: '5',
      default: () => 5,
      rule: () => ({ ok: (v) => (v as number) >= 0 && (v as number) < 100, text: 'a number in [0, 100)' }),
    },
  ],
  attribute: (run) => dgaMap(run, run.options.steps!, run.options.topQ!),
};
