/** Exp: dx = dy·y, the forward output itself. */
import type { RuleSpec } from '../types.js';

export const exp: RuleSpec = {
  op: 'Exp',
  vjp: ({ outputs, grads, emit }) => [emit.node('Mul', [grads[0]!, outputs[0]!])],
};
