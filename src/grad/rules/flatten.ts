/** Flatten only regroups elements: dx = dy reshaped to x's dims. */
import type { RuleSpec } from '../types.js';

export const flatten: RuleSpec = {
  op: 'Flatten',
  vjp: ({ inputs, grads, emit }) => [emit.node('Reshape', [grads[0]!, emit.shape(inputs[0]!)])],
};
