/**
 * Pow: z = x^y (numpy broadcasting), so dx = Σ_broadcast dz·y·x^(y−1) and, when the exponent is
 * differentiated, dy = Σ_broadcast dz·z·ln x (0 where z = 0, the limit for a zero base and a
 * positive exponent; undefined, NaN, for negative bases, as in calculus).
 */
import type { RuleSpec } from '../types.js';

export const pow: RuleSpec = {
  op: 'Pow',
  vjp: ({ inputs, outputs, grads, needs, emit }) => {
    const [x, y] = inputs as [string, string];
    const z = outputs[0]!;
    const dz = grads[0]!;
    let dx: string | undefined;
    if (needs[0]) {
      // A constant exponent may be an integer tensor (opset 12+): bring it to the graph's float type.
      const exponent = needs[1] ? y : emit.node('Cast', [y], { to: emit.dtype });
      const lower = emit.node('Pow', [x, emit.node('Sub', [exponent, emit.constant([1])])]);
      dx = emit.unbroadcast(emit.node('Mul', [dz, emit.node('Mul', [exponent, lower])]), z, x);
    }
    let dy: string | undefined;
    if (needs[1]) {
      const raw = emit.node('Mul', [dz, emit.node('Mul', [z, emit.node('Log', [x])])]);
      const zero = emit.constant([0]);
      dy = emit.unbroadcast(emit.node('Where', [emit.node('Equal', [z, zero]), zero, raw]), z, y);
    }
    return [dx, dy];
  },
};
