/**
 * Cast between float types: dx = dy cast back to x's type. From opset 15 CastLike takes the type
 * from x itself; before, the graph's float type is used, which is x's type whenever x is produced
 * on the differentiated path (a path holds one float type).
 */
import type { RuleSpec } from '../types.js';

export const cast: RuleSpec = {
  op: 'Cast',
  vjp: ({ inputs, grads, emit }) =>
    emit.opset >= 15 ? [emit.node('CastLike', [grads[0]!, inputs[0]!])] : [emit.node('Cast', [grads[0]!], { to: emit.dtype })],
};
