/** Expand broadcasts x to a shape (numpy rules), so dx = dy summed over the broadcast axes. */
import type { RuleSpec } from '../types.js';

export const expand: RuleSpec = {
  op: 'Expand',
  vjp: ({ inputs, outputs, grads, emit }) => [emit.unbroadcast(grads[0]!, outputs[0]!, inputs[0]!)],
};
