/** ReduceMean: every reduced element contributes 1/count, so dx = dy / count expanded back to x's dims. */
import type { RuleSpec } from '../types.js';
import { reduceBackward } from './reduce-backward.js';

export const reduceMean: RuleSpec = {
  op: 'ReduceMean',
  vjp: (ctx) => [reduceBackward(ctx, 18, true)],
};
