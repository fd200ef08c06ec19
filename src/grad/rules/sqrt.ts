/** Sqrt: dx = dy·½/y, read off the forward output. */
import type { RuleSpec } from '../types.js';

export const sqrt: RuleSpec = {
  op: 'Sqrt',
  vjp: ({ outputs, grads, emit }) => [emit.node('Div', [emit.node('Mul', [grads[0]!, emit.constant([0.5])]), outputs[0]!])],
};
