/** Tanh: dx = dy·(1 − y²), read off the forward output. */
import type { RuleSpec } from '../types.js';

export const tanh: RuleSpec = {
  op: 'Tanh',
  vjp: ({ outputs, grads, emit }) => {
    const y = outputs[0]!;
    const slope = emit.node('Sub', [emit.constant([1]), emit.node('Mul', [y, y])]);
    return [emit.node('Mul', [grads[0]!, slope])];
  },
};
