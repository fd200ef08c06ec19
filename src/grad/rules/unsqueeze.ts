/**
 * Unsqueeze inserts size-1 axes, so dx = dy reshaped to x's run-time shape: the same for the
 * attribute form (opset < 13) and the axes input (13+), and it needs no constant.
 */
import type { RuleSpec } from '../types.js';

export const unsqueeze: RuleSpec = {
  op: 'Unsqueeze',
  vjp: ({ inputs, grads, emit }) => [emit.node('Reshape', [grads[0]!, emit.shape(inputs[0]!)])],
};
