/**
 * Where(c, X, Y) (numpy broadcasting of all three): dX = Σ_broadcast dz where c, dY = Σ_broadcast dz
 * where not c. The condition is bool and gets no gradient.
 */
import type { RuleSpec } from '../types.js';

export const where: RuleSpec = {
  op: 'Where',
  vjp: ({ inputs, outputs, grads, needs, emit }) => {
    const [c, x, y] = inputs as [string, string, string];
    const z = outputs[0]!;
    const zero = emit.constant([0]);
    return [
      undefined,
      needs[1] ? emit.unbroadcast(emit.node('Where', [c, grads[0]!, zero]), z, x) : undefined,
      needs[2] ? emit.unbroadcast(emit.node('Where', [c, zero, grads[0]!]), z, y) : undefined,
    ];
  },
};
