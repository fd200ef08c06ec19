/**
 * Pad. Constant mode: dx is dy with the pads taken off again, i.e. Pad with the pads negated (a
 * negative pad crops, so cropping pads become zero fill); the pad value's own gradient is what dy
 * holds outside x. Reflect, edge and wrap modes read each output position from one input position
 * per axis, so dx scatters dy back axis by axis with the one-hot contraction (axis-ops.ts), summing
 * the mirrored or repeated positions.
 */
import type { RuleContext, RuleSpec } from '../types.js';
import { emitPad, scatterAlongAxis } from './axis-ops.js';
import { normalizeAxis, requireInts, staticDim } from './constants.js';

export const pad: RuleSpec = {
  op: 'Pad',
  vjp: (ctx) => {
    const { inputs, grads, needs, emit, attr } = ctx;
    const x = inputs[0]!;
    const rank = emit.rank(x);
    const pads = fullPads(ctx, rank);
    const mode = attr.string('mode', 'constant');
    const dy = grads[0]!;
    if (mode === 'constant') {
      const dx = emitPad(emit, dy, pads.map((p) => -p));
      const all = Array.from({ length: rank }, (_, a) => a);
      const dValue = needs[2] ? emit.node('Sub', [emit.reduceSum(dy, all, false), emit.reduceSum(dx, all, false)]) : undefined;
      return [needs[0] ? dx : undefined, undefined, dValue];
    }
    // Axis by axis from the last: g's dims are the output's up to the axis and x's after it.
    let g = dy;
    for (let axis = rank - 1; axis >= 0; axis--) {
      const begin = pads[axis]!;
      const end = pads[rank + axis]!;
      if (begin === 0 && end === 0) continue;
      const n = staticDim(ctx, x, axis);
      const sources = Array.from({ length: n + begin + end }, (_, j) => source(mode, j - begin, n));
      const after = emit.dims(x).slice(axis + 1).map((_, i) => staticDim(ctx, x, axis + 1 + i));
      g = scatterAlongAxis(emit, g, { axis, sources, size: n, after });
    }
    return [g];
  },
};

/** The input position output position `p` (relative to x's first entry) reads in `mode`. */
function source(mode: string, p: number, n: number): number {
  if (mode === 'edge') return Math.min(Math.max(p, 0), n - 1);
  if (mode === 'wrap') return ((p % n) + n) % n;
  // reflect: mirrored at the first and last entries, which are not repeated.
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const q = ((p % period) + period) % period;
  return q < n ? q : period - q;
}

/** [begins…, ends…] over all axes, from the attribute (opset < 11) or the pads and axes inputs. */
function fullPads(ctx: RuleContext, rank: number): number[] {
  if (ctx.emit.opset < 11) return ctx.attr.ints('pads', new Array<number>(2 * rank).fill(0));
  const given = requireInts(ctx, 1, 'pads');
  if (!ctx.inputs[3]) return given;
  const axes = requireInts(ctx, 3, 'axes').map((a) => normalizeAxis(a, rank));
  const pads = new Array<number>(2 * rank).fill(0);
  axes.forEach((a, i) => {
    pads[a] = given[i]!;
    pads[rank + a] = given[axes.length + i]!;
  });
  return pads;
}
