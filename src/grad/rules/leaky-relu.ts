/** LeakyRelu: y = x for x > 0, α·x otherwise (α default 0.01), so dx = dy where x > 0, α·dy elsewhere (as PyTorch). */
import type { RuleSpec } from '../types.js';

export const leakyRelu: RuleSpec = {
  op: 'LeakyRelu',
  vjp: ({ inputs, grads, emit, attr }) => {
    const alpha = attr.float('alpha', 0.01);
    const positive = emit.node('Greater', [inputs[0]!, emit.constant([0])]);
    return [emit.node('Where', [positive, grads[0]!, emit.node('Mul', [grads[0]!, emit.constant([alpha])])])];
  },
};
