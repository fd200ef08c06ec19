/**
 * PRelu: y = x for x > 0, slope·x otherwise (slope broadcast to x, e.g. per channel), so
 * dx = dy where x > 0 and slope·dy elsewhere; a differentiated slope gets Σ_broadcast dy·x where
 * x ≤ 0. At x = 0 the slope side is taken, as PyTorch does.
 */
import type { RuleSpec } from '../types.js';

export const prelu: RuleSpec = {
  op: 'PRelu',
  vjp: ({ inputs, outputs, grads, needs, emit }) => {
    const [x, slope] = inputs as [string, string];
    const dy = grads[0]!;
    const positive = emit.node('Greater', [x, emit.constant([0])]);
    const dx = needs[0] ? emit.node('Where', [positive, dy, emit.node('Mul', [dy, slope])]) : undefined;
    const dSlope = needs[1]
      ? emit.unbroadcast(emit.node('Where', [positive, emit.constant([0]), emit.node('Mul', [dy, x])]), outputs[0]!, slope)
      : undefined;
    return [dx, dSlope];
  },
};
