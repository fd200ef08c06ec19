/** Identity: dx = dy. */
import type { RuleSpec } from '../types.js';

export const identity: RuleSpec = {
  op: 'Identity',
  vjp: ({ grads }) => [grads[0]],
};
