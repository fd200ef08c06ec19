/**
 * Clip: y = min(max(x, min), max), so dx = dy where min < x < max and 0 elsewhere (the bounds
 * themselves included, like Relu's rule at 0). From opset 11 the bounds are optional inputs ('' or
 * absent when omitted); before, they are the min/max attributes. An omitted bound does not cut the
 * gradient. The bounds are not differentiated (they are constants in practice, e.g. ReLU6).
 */
import type { RuleSpec } from '../types.js';

export const clip: RuleSpec = {
  op: 'Clip',
  vjp: ({ inputs, grads, emit, attr }) => {
    const x = inputs[0]!;
    let low: string | undefined;
    let high: string | undefined;
    if (emit.opset >= 11) {
      low = inputs[1] || undefined;
      high = inputs[2] || undefined;
    } else {
      if (attr.has('min')) low = emit.constant([attr.float('min', 0)]);
      if (attr.has('max')) high = emit.constant([attr.float('max', 0)]);
    }
    const tests = [low && emit.node('Greater', [x, low]), high && emit.node('Less', [x, high])].filter((t): t is string => !!t);
    if (tests.length === 0) return [grads[0]!];
    const inside = tests.length === 2 ? emit.node('And', tests) : tests[0]!;
    // Where exists from opset 9; older attribute-form models multiply by the mask instead.
    if (emit.opset < 9) return [emit.node('Mul', [grads[0]!, emit.node('Cast', [inside], { to: emit.dtype })])];
    return [emit.node('Where', [inside, grads[0]!, emit.constant([0])])];
  },
};
