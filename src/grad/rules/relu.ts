/**
 * Relu: y = max(x, 0), so dx = dy where x > 0 (0 at x = 0, as PyTorch). The mask reads Relu's own
 * output (y > 0 exactly where x > 0), not its input: left with no other reader, the input can stay
 * inside onnxruntime's fused Conv+Relu kernel in the forward part of the graph.
 */
import type { RuleSpec } from '../types.js';

export const relu: RuleSpec = {
  op: 'Relu',
  vjp: ({ outputs, grads, emit }) => {
    const positive = emit.node('Greater', [outputs[0]!, emit.constant([0])]);
    return [emit.node('Where', [positive, grads[0]!, emit.constant([0])])];
  },
};
