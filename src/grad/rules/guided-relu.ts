/**
 * Guided Backprop's ReLU rule (Springenberg et al., 2015): dx = relu(dy)·[x > 0] — the plain ReLU
 * rule (relu.ts) that also drops NEGATIVE incoming gradients, so only paths that raise the target
 * through every ReLU reach the input. Not in the built-in table: a gradient asks for it through
 * GradientSpec.rules ({ Relu: guidedRelu.vjp }), as src/attribution/guided-backprop.ts does.
 */
import type { RuleSpec } from '../types.js';

export const guidedRelu: RuleSpec = {
  op: 'Relu',
  vjp: ({ inputs, grads, emit }) => {
    const positive = emit.node('Greater', [inputs[0]!, emit.constant([0])]);
    return [emit.node('Where', [positive, emit.node('Relu', [grads[0]!]), emit.constant([0])])];
  },
};
