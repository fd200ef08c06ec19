/** Transpose: y = x permuted by perm (default: reversed axes), so dx = dy permuted by the inverse. */
import type { RuleSpec } from '../types.js';

export const transpose: RuleSpec = {
  op: 'Transpose',
  vjp: ({ inputs, grads, emit, attr }) => {
    const rank = emit.rank(inputs[0]!);
    const perm = attr.ints('perm', Array.from({ length: rank }, (_, i) => rank - 1 - i));
    const inverse = new Array<number>(rank);
    perm.forEach((p, i) => (inverse[p] = i));
    return [emit.node('Transpose', [grads[0]!], { perm: inverse })];
  },
};
