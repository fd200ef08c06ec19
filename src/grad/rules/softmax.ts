/**
 * Softmax: y = exp(x) / Σ exp(x) over the normalised axes, so dx = y·(dy − Σ dy·y), reading the
 * forward y rather than recomputing it.
 */
import type { RuleSpec } from '../types.js';
import { softmaxAxes } from './softmax-axes.js';

export const softmax: RuleSpec = {
  op: 'Softmax',
  vjp: (ctx) => {
    const { outputs, grads, emit } = ctx;
    const y = outputs[0]!;
    const dot = emit.reduceSum(emit.node('Mul', [grads[0]!, y]), softmaxAxes(ctx), true);
    return [emit.node('Mul', [y, emit.node('Sub', [grads[0]!, dot])])];
  },
};
