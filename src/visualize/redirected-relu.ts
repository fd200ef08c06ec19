/**
 * The redirected ReLU rule for the first steps of a visualisation: dx = dy·[x > 0 or dy > 0]. A
 * neuron that a random start leaves at zero everywhere gets no plain gradient (every ReLU on its
 * paths is closed), so its image would never move; letting gradient that asks to *raise* a closed
 * ReLU through anyway opens a path. After these steps the true gradient takes over, so the final
 * image is optimised for the model as it is.
 */
import type { RuleSpec } from '../grad/types.js';

export const redirectedRelu: RuleSpec = {
  op: 'Relu',
  vjp: ({ inputs, grads, emit }) => {
    const open = emit.node('Or', [emit.node('Greater', [inputs[0]!, emit.constant([0])]), emit.node('Greater', [grads[0]!, emit.constant([0])])]);
    return [emit.node('Where', [open, grads[0]!, emit.constant([0])])];
  },
};
