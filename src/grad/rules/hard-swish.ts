/**
 * HardSwish: y = x·max(0, min(1, x/6 + 1/2)), so dy/dx = 0 for x < −3, x/3 + 1/2 for −3 ≤ x ≤ 3
 * and 1 for x > 3 (the kinks take the middle piece, as PyTorch does).
 */
import type { RuleSpec } from '../types.js';

export const hardSwish: RuleSpec = {
  op: 'HardSwish',
  vjp: ({ inputs, grads, emit }) => {
    const x = inputs[0]!;
    const middle = emit.node('Add', [emit.node('Mul', [x, emit.constant([1 / 3])]), emit.constant([0.5])]);
    const upper = emit.node('Where', [emit.node('Greater', [x, emit.constant([3])]), emit.constant([1]), middle]);
    const slope = emit.node('Where', [emit.node('Less', [x, emit.constant([-3])]), emit.constant([0]), upper]);
    return [emit.node('Mul', [grads[0]!, slope])];
  },
};
