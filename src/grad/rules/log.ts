/** Log: dx = dy / x. */
import type { RuleSpec } from '../types.js';

export const log: RuleSpec = {
  op: 'Log',
  vjp: ({ inputs, grads, emit }) => [emit.node('Div', [grads[0]!, inputs[0]!])],
};
