/**
 * Div: z = a / b (numpy broadcasting), so da = Σ_broadcast dz / b and db = −Σ_broadcast (dz / b)·z
 * (−dz·a/b² written with the forward output, sharing dz / b between both inputs).
 */
import type { RuleSpec } from '../types.js';

export const div: RuleSpec = {
  op: 'Div',
  vjp: ({ inputs, outputs, grads, needs, emit }) => {
    const [a, b] = inputs as [string, string];
    const z = outputs[0]!;
    const q = emit.node('Div', [grads[0]!, b]);
    return [
      needs[0] ? emit.unbroadcast(q, z, a) : undefined,
      needs[1] ? emit.node('Neg', [emit.unbroadcast(emit.node('Mul', [q, z]), z, b)]) : undefined,
    ];
  },
};
