/**
 * Concat: each input's cotangent is its stretch of dy along the axis. Offsets come from the probed
 * dims; along an axis whose size is only known at run time (the batch) they are summed from each
 * input's Shape instead, which needs Slice's input form (opset 10+).
 */
import { NeurolensError } from '../../errors.js';
import { gradMessages } from '../../messages/grad.js';
import type { GradEmitter, RuleSpec } from '../types.js';
import { emitSlice } from './axis-ops.js';
import { nodeLabel, normalizeAxis } from './constants.js';

export const concat: RuleSpec = {
  op: 'Concat',
  vjp: (ctx) => {
    const { inputs, grads, needs, emit, attr } = ctx;
    const axis = normalizeAxis(attr.int('axis', 0), emit.rank(inputs[0]!));
    const sizes = inputs.map((x) => emit.dims(x)[axis]!);
    if (sizes.every((s): s is number => typeof s === 'number')) {
      let offset = 0;
      return sizes.map((size, i) => {
        const start = offset;
        offset += size;
        return needs[i] ? emitSlice(emit, grads[0]!, [start], [start + size], [axis]) : undefined;
      });
    }
    if (emit.opset < 10) throw new NeurolensError('model', gradMessages.dynamicAxis('Concat', nodeLabel(ctx), axis));
    return dynamicSlices(emit, grads[0]!, inputs, needs, axis);
  },
};

/** Slices of `dy` at offsets summed at run time from the inputs' sizes along `axis`. */
function dynamicSlices(emit: GradEmitter, dy: string, inputs: readonly string[], needs: readonly boolean[], axis: number): (string | undefined)[] {
  const axes = emit.int64s([axis]);
  let start = emit.int64s([0]);
  return inputs.map((x, i) => {
    const size = emit.node('Gather', [emit.shape(x), axes]);
    const end = emit.node('Add', [start, size]);
    const grad = needs[i] ? emit.node('Slice', [dy, start, end, axes]) : undefined;
    start = end;
    return grad;
  });
}
