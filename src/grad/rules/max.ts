/**
 * Max (elementwise, variadic, numpy broadcasting): the gradient goes to the input that won. Ties
 * split it evenly (each of k tied inputs gets dz/k), as PyTorch's maximum does for two inputs;
 * for two tied inputs that is also what central differences measure. Min shares the rule.
 */
import type { RuleSpec, VjpRule } from '../types.js';

/** The rule of Max or Min: dz to the inputs equal to the output, shared among ties. */
export const winnerTakesGradient: VjpRule = ({ inputs, outputs, grads, needs, emit }) => {
  const z = outputs[0]!;
  const dz = grads[0]!;
  if (inputs.length === 1) return [dz];
  const won = inputs.map((x) => emit.node('Equal', [x, z]));
  const count = emit.node('Sum', won.map((w) => emit.node('Cast', [w], { to: emit.dtype })));
  const share = emit.node('Div', [dz, count]);
  const zero = emit.constant([0]);
  return inputs.map((x, i) => (needs[i] ? emit.unbroadcast(emit.node('Where', [won[i]!, share, zero]), z, x) : undefined));
};

export const max: RuleSpec = { op: 'Max', vjp: winnerTakesGradient };
