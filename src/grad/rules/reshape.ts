/**
 * Reshape only regroups elements: dx = dy reshaped to x's run-time shape. The target shape (0 and
 * -1 entries, or a shape computed by Shape→Gather→Concat at run time) is never read.
 */
import type { RuleSpec } from '../types.js';

export const reshape: RuleSpec = {
  op: 'Reshape',
  vjp: ({ inputs, grads, emit }) => [emit.node('Reshape', [grads[0]!, emit.shape(inputs[0]!)])],
};
