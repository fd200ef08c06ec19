/** ReduceSum: every reduced element contributes with weight 1, so dx = dy expanded back to x's dims. */
import type { RuleSpec } from '../types.js';
import { reduceBackward } from './reduce-backward.js';

export const reduceSum: RuleSpec = {
  op: 'ReduceSum',
  vjp: (ctx) => [reduceBackward(ctx, 13, false)],
};
