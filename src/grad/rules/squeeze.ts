/**
 * Squeeze removes size-1 axes, so dx = dy reshaped to x's run-time shape: the same for the
 * attribute form (opset < 13), the axes input (13+) and no axes at all, and it needs no constant.
 */
import type { RuleSpec } from '../types.js';

export const squeeze: RuleSpec = {
  op: 'Squeeze',
  vjp: ({ inputs, grads, emit }) => [emit.node('Reshape', [grads[0]!, emit.shape(inputs[0]!)])],
};
