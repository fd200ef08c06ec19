/** Mul: z = a·b (numpy broadcasting), so da = Σ_broadcast dz·b and db = Σ_broadcast dz·a. */
import type { RuleSpec } from '../types.js';

export const mul: RuleSpec = {
  op: 'Mul',
  vjp: ({ inputs, outputs, grads, needs, emit }) => {
    const [a, b] = inputs as [string, string];
    return [
      needs[0] ? emit.unbroadcast(emit.node('Mul', [grads[0]!, b]), outputs[0]!, a) : undefined,
      needs[1] ? emit.unbroadcast(emit.node('Mul', [grads[0]!, a]), outputs[0]!, b) : undefined,
    ];
  },
};
