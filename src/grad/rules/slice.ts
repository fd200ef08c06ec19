/**
 * Slice: dx is zeros with dy put back where the slice came from. With steps ±1 that is one Pad
 * (begin = first position, end = what is left after the last). A step s > 1 first spreads dy out
 * along its axis (a new axis padded to s and merged back, so entries land s apart); a negative step
 * first reverses dy, so the entries run upwards from the lowest position taken.
 */
import type { RuleContext, RuleSpec } from '../types.js';
import { emitPad, emitSlice, zerosLike } from './axis-ops.js';
import { normalizeAxis, requireInts, staticDim } from './constants.js';

/** Where a slice along one axis took its entries from. */
interface Taken {
  axis: number;
  /** Lowest position taken. */
  lowest: number;
  /** Entries taken. */
  count: number;
  /** |step|. */
  stride: number;
  reversed: boolean;
}

export const slice: RuleSpec = {
  op: 'Slice',
  vjp: (ctx) => {
    const { inputs, grads, emit } = ctx;
    const x = inputs[0]!;
    const taken = slicedAxes(ctx);
    if (taken.some((t) => t.count === 0)) return [zerosLike(emit, x)];
    let g = grads[0]!;
    const reversed = taken.filter((t) => t.reversed && t.count > 1);
    if (reversed.length > 0) {
      const axes = reversed.map((t) => t.axis);
      g = emitSlice(emit, g, axes.map(() => -1), reversed.map((t) => -t.count - 1), axes, axes.map(() => -1));
    }
    const rank = emit.rank(x);
    const dims = emit.dims(x).map((d, a) => taken.find((t) => t.axis === a)?.count ?? d);
    for (const t of taken) {
      if (t.stride === 1 || t.count === 1) continue;
      // [… count …] → [… count, 1 …] → [… count, stride …] (zeros after each entry) → [… count·stride …].
      const pads = new Array<number>(2 * (rank + 1)).fill(0);
      pads[rank + 1 + t.axis + 1] = t.stride - 1;
      const spread = emitPad(emit, emit.unsqueeze(g, [t.axis + 1]), pads);
      // g's current dims after the axis (sliced counts or x's dims, never the batch).
      const after = dims.slice(t.axis + 1).map((d, i) => (typeof d === 'number' ? d : staticDim(ctx, x, t.axis + 1 + i)));
      g = emit.node('Reshape', [spread, emit.int64s([...new Array<number>(t.axis).fill(0), -1, ...after])]);
      dims[t.axis] = t.count * t.stride;
    }
    const pads = new Array<number>(2 * rank).fill(0);
    for (const t of taken) {
      pads[t.axis] = t.lowest;
      // Negative when the last stride group overhangs the end: Pad crops it.
      pads[rank + t.axis] = staticDim(ctx, x, t.axis) - t.lowest - (dims[t.axis] as number);
    }
    return [emitPad(emit, g, pads)];
  },
};

/** The normalized slice along each sliced axis (ONNX clamping rules). */
function slicedAxes(ctx: RuleContext): Taken[] {
  const { emit, attr, inputs } = ctx;
  const x = inputs[0]!;
  const rank = emit.rank(x);
  const old = emit.opset < 10;
  const starts = old ? attr.ints('starts', []) : requireInts(ctx, 1, 'starts');
  const ends = old ? attr.ints('ends', []) : requireInts(ctx, 2, 'ends');
  const allAxes = starts.map((_, i) => i);
  const axes = old ? attr.ints('axes', allAxes) : inputs[3] ? requireInts(ctx, 3, 'axes') : allAxes;
  const steps = !old && inputs[4] ? requireInts(ctx, 4, 'steps') : starts.map(() => 1);
  const taken: Taken[] = [];
  axes.forEach((rawAxis, i) => {
    const axis = normalizeAxis(rawAxis, rank);
    const step = steps[i]!;
    // x[0:INT_MAX] along a run-time sized axis (the batch) takes everything: nothing to put back.
    if (typeof emit.dims(x)[axis] !== 'number' && step === 1 && starts[i] === 0 && ends[i]! >= 2 ** 31 - 1) return;
    const d = staticDim(ctx, x, axis);
    const wrap = (v: number) => (v < 0 ? v + d : v);
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    const start = step > 0 ? clamp(wrap(starts[i]!), 0, d) : clamp(wrap(starts[i]!), 0, d - 1);
    const end = step > 0 ? clamp(wrap(ends[i]!), 0, d) : clamp(wrap(ends[i]!), -1, d - 1);
    const stride = Math.abs(step);
    const count = Math.max(0, Math.ceil((step > 0 ? end - start : start - end) / stride));
    const lowest = step > 0 ? start : start - (count - 1) * stride;
    taken.push({ axis, lowest, count, stride, reversed: step < 0 });
  });
  return taken;
}
