/**
 * HardSigmoid: y = max(0, min(1, α·x + β)) (α 0.2, β 0.5 by default), so dx = α·dy where
 * 0 < y < 1 and 0 on the flat parts (and at the two kinks), read off the forward output.
 */
import type { RuleSpec } from '../types.js';

export const hardSigmoid: RuleSpec = {
  op: 'HardSigmoid',
  vjp: ({ outputs, grads, emit, attr }) => {
    const alpha = attr.float('alpha', 0.2);
    const y = outputs[0]!;
    const inside = emit.node('And', [emit.node('Greater', [y, emit.constant([0])]), emit.node('Less', [y, emit.constant([1])])]);
    return [emit.node('Where', [inside, emit.node('Mul', [grads[0]!, emit.constant([alpha])]), emit.constant([0])])];
  },
};
