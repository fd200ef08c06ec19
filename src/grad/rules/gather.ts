/**
 * Gather with constant indices: dx is zeros with each entry of dy added back at its index along
 * the axis; repeated indices sum. A scalar index (a ViT's class-token pick) is one Unsqueeze + Pad;
 * other index tensors use the one-hot contraction (axis-ops.ts), which sums repeats at any opset.
 */
import type { RuleSpec } from '../types.js';
import { emitPad, scatterAlongAxis } from './axis-ops.js';
import { normalizeAxis, requireInts, staticDim } from './constants.js';

export const gather: RuleSpec = {
  op: 'Gather',
  vjp: (ctx) => {
    const { inputs, outputs, grads, emit, attr } = ctx;
    const x = inputs[0]!;
    const rank = emit.rank(x);
    const axis = normalizeAxis(attr.int('axis', 0), rank);
    const size = staticDim(ctx, x, axis);
    const indices = requireInts(ctx, 1, 'indices').map((i) => (i < 0 ? i + size : i));
    const indexRank = emit.rank(outputs[0]!) - rank + 1;
    if (indexRank === 0) {
      const pads = new Array<number>(2 * rank).fill(0);
      pads[axis] = indices[0]!;
      pads[rank + axis] = size - indices[0]! - 1;
      return [emitPad(emit, emit.unsqueeze(grads[0]!, [axis]), pads)];
    }
    const after = emit.dims(x).slice(axis + 1).map((_, i) => staticDim(ctx, x, axis + 1 + i));
    return [scatterAlongAxis(emit, grads[0]!, { axis, sources: indices, size, after })];
  },
};
