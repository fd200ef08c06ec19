/** Reciprocal: y = 1/x, so dx = −dy/x² = −dy·y², read off the forward output. */
import type { RuleSpec } from '../types.js';

export const reciprocal: RuleSpec = {
  op: 'Reciprocal',
  vjp: ({ outputs, grads, emit }) => {
    const y = outputs[0]!;
    return [emit.node('Neg', [emit.node('Mul', [emit.node('Mul', [grads[0]!, y]), y])])];
  },
};
