/** GlobalAveragePool: y[n,c] = mean over the spatial positions, so dx = dy / positions, expanded back. */
import type { RuleSpec } from '../types.js';

export const globalAveragePool: RuleSpec = {
  op: 'GlobalAveragePool',
  vjp: ({ inputs, grads, emit }) => {
    const dims = emit.dims(inputs[0]!);
    const positions = (dims.slice(2) as number[]).reduce((a, b) => a * b, 1);
    const scaled = emit.node('Mul', [grads[0]!, emit.constant([1 / positions])]);
    return [emit.node('Expand', [scaled, emit.shape(inputs[0]!)])];
  },
};
