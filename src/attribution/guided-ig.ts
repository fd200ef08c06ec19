/**
 * Guided Integrated Gradients (Kapishnikov et al., 2021, "Guided Integrated Gradients: an Adaptive
 * Path Method for Removing Noise"). Like Integrated Gradients it integrates gradient × displacement
 * from a baseline (the tensor 0, i.e. the normalisation mean colour) to the input, but the path
 * adapts: at each point only the features (tensor elements) whose |gradient| is smallest move, so
 * features the target is insensitive to reach the input first and noisy high-gradient regions
 * are crossed late, where the gradient has settled.
 *
 * The algorithm of the paper's reference code, with its defaults (steps 200, fraction 0.25,
 * max_dist 0.02). Let d = input − baseline and L the L1 distance to the input. For step k = 1…K:
 *  1. the gradient g at the current point x (one gradient pass);
 *  2. the step's alpha window [k/K − 0.02, k/K + 0.02] ∩ [0,1]; features lagging behind its lower
 *     end jump to it (on the straight line baseline → input);
 *  3. the L1 target: L(baseline)·(1 − k/K). Until x reaches it: among features not yet at the
 *     window's upper end, take those with |g| ≤ the `fraction` quantile (lower interpolation), and
 *     move them toward the upper end — fully, or by the share γ of the way that lands exactly on the
 *     target. Each move adds (x_new − x_old)·g to the attribution.
 * Features with d = 0 never move. The gradient is not recomputed within a step: K gradient passes
 * in all, one image each (the path depends on every previous gradient, so steps cannot be
 * batched). Besides the passes, each step costs a few O(C·H·W) quantile selections on the CPU.
 * The attribution is summed over channels (path.ts); its total is ≈ f(input) − f(baseline).
 */
import type { AttributionMethodSpec } from './method.js';
import { STEPS_OPTION, channelSum } from './path.js';
import type { MethodContext } from './scorer.js';
import type { AttributionMap } from './types.js';

declare module './types.js' {
  interface MethodOptions {
    /** guided-ig: share of the still-movable features moved per sub-step (those of smallest |gradient|), in (0, 1]. Default 0.25. */
    fraction?: number;
  }
}

/** The reference's half-width of the alpha window around k/K. */
export const GUIDED_IG_MAX_DIST = 0.02;
/** L1 distances this close count as equal (the reference's tolerance). */
const EPSILON = 1e-9;

/** The `rank`-th smallest (0-based) of `values` (reordered in place): quickselect, middle pivot. */
export function selectNth(values: Float64Array, rank: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i++] = values[j]!;
        values[j--] = t;
      }
    }
    if (rank <= j) hi = j;
    else if (rank >= i) lo = i;
    else return values[rank]!;
  }
  return values[rank]!;
}

/** Σ|a − b|. */
function l1(a: Float64Array, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum;
}

/** One step's moves of x (in place), given its gradient `g`; adds (Δx)·g to `attr`. */
function guidedStep(x: Float64Array, input: Float32Array, g: Float32Array, attr: Float64Array, alpha: number, total: number, fraction: number): void {
  const n = x.length;
  const lo = Math.max(alpha - GUIDED_IG_MAX_DIST, 0);
  const hi = Math.min(alpha + GUIDED_IG_MAX_DIST, 1);
  const target = total * (1 - alpha);
  const xOld = new Float64Array(n);
  // |g|, with features already at the window's top marked unmovable (Infinity).
  const magnitude = Float64Array.from(g, Math.abs);
  const scratch = new Float64Array(n);
  for (;;) {
    xOld.set(x);
    for (let i = 0; i < n; i++) if (input[i] !== 0 && x[i]! / input[i]! < lo) x[i] = input[i]! * lo;
    const current = l1(x, input);
    // At the target (or past it after the catch-up jump): the step is done.
    if (current - target <= EPSILON + EPSILON * Math.abs(target)) {
      for (let i = 0; i < n; i++) attr[i]! += (x[i]! - xOld[i]!) * g[i]!;
      return;
    }
    for (let i = 0; i < n; i++) if (x[i] === input[i]! * hi) magnitude[i] = Infinity;
    scratch.set(magnitude);
    const threshold = selectNth(scratch, Math.floor(fraction * (n - 1)));
    let movable = 0;
    for (let i = 0; i < n; i++) if (magnitude[i]! <= threshold && magnitude[i] !== Infinity) movable += Math.abs(x[i]! - input[i]! * hi);
    const gamma = movable > 0 ? (current - target) / movable : Infinity;
    for (let i = 0; i < n; i++) {
      if (!(magnitude[i]! <= threshold && magnitude[i] !== Infinity)) continue;
      const top = input[i]! * hi;
      x[i] = gamma > 1 ? top : x[i]! + (top - x[i]!) * gamma;
    }
    for (let i = 0; i < n; i++) attr[i]! += (x[i]! - xOld[i]!) * g[i]!;
    // γ ≤ 1 landed on the target; nothing movable left means the window's top is reached.
    if (gamma <= 1 || movable === 0) return;
  }
}

/** The Guided IG attribution of the run's image (C·H·W, baseline 0) and the gradient passes spent. */
export async function guidedIg(ctx: MethodContext, steps: number, fraction: number): Promise<{ attribution: Float64Array; passes: number }> {
  const input = ctx.image;
  const x = new Float64Array(input.length);
  const attr = new Float64Array(input.length);
  const total = l1(x, input);
  if (total === 0) return { attribution: attr, passes: 0 };
  for (let k = 1; k <= steps; k++) {
    const g = (await ctx.gradients.compute(Float32Array.from(x), 1)).input!;
    guidedStep(x, input, g, attr, k / steps, total, fraction);
  }
  return { attribution: attr, passes: steps };
}

export async function guidedIgMap(ctx: MethodContext, steps: number, fraction: number): Promise<{ map: AttributionMap; passes: number }> {
  const { attribution, passes } = await guidedIg(ctx, steps, fraction);
  return { map: channelSum(attribution, ctx.shape), passes };
}

export const guidedIgMethod: AttributionMethodSpec = {
  name: 'guided-ig',
  summary: 'integrated gradients along an adaptive path that moves low-gradient features first; one gradient pass per step',
  options: [
    STEPS_OPTION,
    {
      key: 'fraction',
      flag: '--fraction',
      placeholder: '<p>',
      parse: 'number',
      doc: 'share of the movable features (smallest |gradient|) moved per sub-step',
      defaultDoc: '0.25',
      default: () => 0.25,
      rule: () => ({ ok: (v) => (v as number) > 0 && (v as number) <= 1, text: 'a number in (0, 1]' }),
    },
  ],
  attribute: (run) => guidedIgMap(run, run.options.steps!, run.options.fraction!),
};
