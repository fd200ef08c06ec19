/** Add: z = a + b (numpy broadcasting), so da = Σ_broadcast dz and db likewise. */
import type { RuleSpec } from '../types.js';

export const add: RuleSpec = {
  op: 'Add',
  vjp: ({ inputs, outputs, grads, needs, emit }) =>
    inputs.map((x, i) => (needs[i] ? emit.unbroadcast(grads[0]!, outputs[0]!, x) : undefined)),
};
