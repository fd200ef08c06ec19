/**
 * Dropout at inference is the identity on its data input, so dx = dy. The mask output (bool)
 * carries no gradient, and ratio / training_mode are not differentiated. A model that feeds
 * training_mode = true gets the inference gradient all the same: attribution explains the
 * deterministic model.
 */
import type { RuleSpec } from '../types.js';

export const dropout: RuleSpec = {
  op: 'Dropout',
  vjp: ({ grads }) => [grads[0]],
};
