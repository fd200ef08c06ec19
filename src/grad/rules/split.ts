/**
 * Split: the outputs tile x along the axis in order (whichever of the attribute, `split` input or
 * `num_outputs` forms chose their sizes), so dx is the outputs' cotangents concatenated back, with
 * zeros of its run-time shape for an output no gradient reaches.
 */
import type { RuleSpec } from '../types.js';
import { zerosLike } from './axis-ops.js';
import { normalizeAxis } from './constants.js';

export const split: RuleSpec = {
  op: 'Split',
  vjp: ({ inputs, outputs, grads, emit, attr }) => {
    const axis = normalizeAxis(attr.int('axis', 0), emit.rank(inputs[0]!));
    const parts = outputs.map((out, i) => grads[i] ?? zerosLike(emit, out));
    return [parts.length === 1 ? parts[0]! : emit.node('Concat', parts, { axis })];
  },
};
