/** Sub: z = a − b (numpy broadcasting), so da = Σ_broadcast dz and db = −Σ_broadcast dz. */
import type { RuleSpec } from '../types.js';

export const sub: RuleSpec = {
  op: 'Sub',
  vjp: ({ inputs, outputs, grads, needs, emit }) => [
    needs[0] ? emit.unbroadcast(grads[0]!, outputs[0]!, inputs[0]!) : undefined,
    // Negate after summing: the reduced tensor is never larger than dz.
    needs[1] ? emit.node('Neg', [emit.unbroadcast(grads[0]!, outputs[0]!, inputs[1]!)]) : undefined,
  ],
};
