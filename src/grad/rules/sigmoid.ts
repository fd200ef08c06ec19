/** Sigmoid: y = 1 / (1 + e^−x), so dx = dy·y·(1 − y), read off the forward output. */
import type { RuleSpec } from '../types.js';

export const sigmoid: RuleSpec = {
  op: 'Sigmoid',
  vjp: ({ outputs, grads, emit }) => {
    const y = outputs[0]!;
    const slope = emit.node('Mul', [y, emit.node('Sub', [emit.constant([1]), y])]);
    return [emit.node('Mul', [grads[0]!, slope])];
  },
};
