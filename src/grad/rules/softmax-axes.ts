/**
 * The axes Softmax and LogSoftmax normalise over: from opset 13 the one `axis` (default −1);
 * before, the input is coerced to 2-D at `axis` (default 1), so every axis from `axis` on.
 */
import type { RuleContext } from '../types.js';

export function softmaxAxes({ emit, attr, inputs }: RuleContext): number[] {
  const rank = emit.rank(inputs[0]!);
  const modern = emit.opset >= 13;
  let axis = attr.int('axis', modern ? -1 : 1);
  if (axis < 0) axis += rank;
  if (modern) return [axis];
  return Array.from({ length: rank - axis }, (_, i) => axis + i);
}
