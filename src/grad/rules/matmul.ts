/**
 * MatMul (numpy semantics): Y = A·B over the last two axes, batch axes broadcast. A 1-D A is a
 * row [1, K] and a 1-D B a column [K, 1] whose added axis is dropped from Y, so dY gets that axis
 * back first. Then dA = dY·Bᵀ and dB = Aᵀ·dY, each summed over the batch axes its operand was
 * broadcast along and the added axis dropped again.
 */
import type { Dims, GradEmitter, RuleSpec } from '../types.js';

export const matmul: RuleSpec = {
  op: 'MatMul',
  vjp: ({ inputs, outputs, grads, needs, emit }) => {
    const [a, b] = [inputs[0]!, inputs[1]!];
    const aDims = emit.dims(a);
    const bDims = emit.dims(b);
    const aVector = aDims.length === 1;
    const bVector = bDims.length === 1;
    // Promote to matrices: A [1, K], B [K, 1]; dY gets the dropped axes back.
    const aFull = aVector ? emit.unsqueeze(a, [0]) : a;
    const bFull = bVector ? emit.unsqueeze(b, [1]) : b;
    const aFullDims = aVector ? [1, ...aDims] : aDims;
    const bFullDims = bVector ? [...bDims, 1] : bDims;
    let dy = grads[0]!;
    let yDims: Dims = emit.dims(outputs[0]!);
    if (bVector) {
      dy = emit.unsqueeze(dy, [yDims.length]);
      yDims = [...yDims, 1];
    }
    if (aVector) {
      dy = emit.unsqueeze(dy, [yDims.length - 1]);
      yDims = [...yDims.slice(0, -1), 1, yDims[yDims.length - 1]!];
    }
    const batch = yDims.slice(0, -2);
    let dA: string | undefined;
    let dB: string | undefined;
    if (needs[0]) {
      const full = emit.node('MatMul', [dy, transposeLast(emit, bFull, bFullDims.length)]);
      dA = sumTo(emit, full, [...batch, aFullDims.at(-2)!, aFullDims.at(-1)!], aFullDims);
      if (aVector) dA = emit.squeeze(dA, [0]);
    }
    if (needs[1]) {
      const full = emit.node('MatMul', [transposeLast(emit, aFull, aFullDims.length), dy]);
      dB = sumTo(emit, full, [...batch, bFullDims.at(-2)!, bFullDims.at(-1)!], bFullDims);
      if (bVector) dB = emit.squeeze(dB, [1]);
    }
    return [dA, dB];
  },
};

/** The tensor with its last two axes swapped. */
function transposeLast(emit: GradEmitter, x: string, rank: number): string {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return emit.node('Transpose', [x], { perm });
}

/** `grad` (dims `from`) summed to `to` under numpy broadcasting, as emit.unbroadcast does for probed tensors. */
function sumTo(emit: GradEmitter, grad: string, from: Dims, to: Dims): string {
  const lead = from.length - to.length;
  const kept: number[] = [];
  for (let i = 0; i < to.length; i++) if (to[i] === 1 && from[i + lead] !== 1) kept.push(i + lead);
  const summed = emit.reduceSum(grad, kept, true);
  return emit.reduceSum(summed, Array.from({ length: lead }, (_, i) => i), false);
}
