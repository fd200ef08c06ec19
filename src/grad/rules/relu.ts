/**
 * Relu: y = max(x, 0), so dx = dy where x > 0 (0 at x = 0, as PyTorch). The mask is Relu's own
 * output compared with 0, which needs no constant of the input's shape.
 */
import type { RuleSpec } from '../types.js';

export const relu: RuleSpec = {
  op: 'Relu',
  vjp: ({ inputs, grads, emit }) => {
    const positive = emit.node('Greater', [inputs[0]!, emit.constant([0])]);
    return [emit.node('Where', [positive, grads[0]!, emit.constant([0])])];
  },
};
