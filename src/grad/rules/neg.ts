/** Neg: dx = −dy. */
import type { RuleSpec } from '../types.js';

export const neg: RuleSpec = {
  op: 'Neg',
  vjp: ({ grads, emit }) => [emit.node('Neg', [grads[0]!])],
};
