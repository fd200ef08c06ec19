/**
 * The shared backward of ReduceSum and ReduceMean: dy gets the reduced axes back (when keepdims
 * is 0) and is expanded to x's dims; the mean also divides by the number of elements averaged.
 * Axes come from the attribute or, from the opset that made them an input, from the input tensor
 * itself (fed to Unsqueeze as is, so they need not be constant).
 */
import type { RuleContext } from '../types.js';

/**
 * dx of a Reduce* op whose output is linear in each reduced element with weight 1 (`mean` false)
 * or 1/count (`mean` true). `inputAxesOpset`: the first opset taking axes as an input.
 */
export function reduceBackward(ctx: RuleContext, inputAxesOpset: number, mean: boolean): string {
  const { inputs, outputs, emit, attr } = ctx;
  const x = inputs[0]!;
  const keepdims = attr.int('keepdims', 1) === 1;
  let dy = ctx.grads[0]!;
  let axesTensor: string | undefined;
  let axes: number[] | undefined;
  if (emit.opset >= inputAxesOpset) {
    const given = inputs[1] ?? '';
    if (given !== '' && emit.dims(given)[0] !== 0) axesTensor = given;
  } else if (attr.has('axes')) {
    const rank = emit.rank(x);
    axes = attr.ints('axes', []).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  }
  const all = axesTensor === undefined && axes === undefined;
  // noop_with_empty_axes: no axes means the identity, not a reduction over every axis.
  if (all && attr.int('noop_with_empty_axes', 0) === 1) return dy;
  if (mean) dy = emit.node('Div', [dy, count(ctx, x, outputs[0]!)]);
  if (!keepdims && !all) dy = axesTensor ? emit.node('Unsqueeze', [dy, axesTensor]) : emit.unsqueeze(dy, axes!);
  return emit.node('Expand', [dy, emit.shape(x)]);
}

/** How many elements of x each element of y averages: a constant when the dims allow, else Size(x)/Size(y). */
function count({ emit }: RuleContext, x: string, y: string): string {
  const symbols = (dims: readonly (number | string)[]) => dims.filter((d) => typeof d === 'string').sort().join('\u0000');
  const product = (dims: readonly (number | string)[]) => dims.reduce<number>((p, d) => (typeof d === 'number' ? p * d : p), 1);
  const xDims = emit.dims(x);
  const yDims = emit.dims(y);
  if (symbols(xDims) === symbols(yDims)) return emit.constant([product(xDims) / product(yDims)]);
  const size = (t: string) => emit.node('Cast', [emit.node('Size', [t])], { to: emit.dtype });
  return emit.node('Div', [size(x), size(y)]);
}
