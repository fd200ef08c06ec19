/** Erf: d erf(x)/dx = (2/√π)·e^(−x²). */
import type { RuleSpec } from '../types.js';

export const erf: RuleSpec = {
  op: 'Erf',
  vjp: ({ inputs, grads, emit }) => {
    const x = inputs[0]!;
    const gauss = emit.node('Exp', [emit.node('Mul', [x, emit.node('Neg', [x])])]);
    return [emit.node('Mul', [grads[0]!, emit.node('Mul', [gauss, emit.constant([2 / Math.sqrt(Math.PI)])])])];
  },
};
