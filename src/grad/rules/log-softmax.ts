/** LogSoftmax: y = x − log Σ exp(x) over the normalised axes, so dx = dy − exp(y)·Σ dy. */
import type { RuleSpec } from '../types.js';
import { softmaxAxes } from './softmax-axes.js';

export const logSoftmax: RuleSpec = {
  op: 'LogSoftmax',
  vjp: (ctx) => {
    const { outputs, grads, emit } = ctx;
    const total = emit.reduceSum(grads[0]!, softmaxAxes(ctx), true);
    const probabilities = emit.node('Exp', [outputs[0]!]);
    return [emit.node('Sub', [grads[0]!, emit.node('Mul', [probabilities, total])])];
  },
};
