/**
 * Gemm: Y = α·A'·B' + β·C with A' = transA ? Aᵀ : A (B' likewise), so dA' = α·dY·B'ᵀ and
 * dB' = α·A'ᵀ·dY (transposed back when the input was transposed), dC = β·dY summed to C's dims.
 */
import type { RuleSpec } from '../types.js';

export const gemm: RuleSpec = {
  op: 'Gemm',
  vjp: ({ inputs, outputs, grads, needs, emit, attr }) => {
    const alpha = attr.float('alpha', 1);
    const beta = attr.float('beta', 1);
    const transA = attr.int('transA', 0);
    const transB = attr.int('transB', 0);
    const dy = grads[0]!;
    const scaled = (t: string, s: number) => (s === 1 ? t : emit.node('Mul', [t, emit.constant([s])]));
    let dA: string | undefined;
    let dB: string | undefined;
    if (needs[0]) {
      // dA' = dY·B'ᵀ; dA = transA ? dA'ᵀ = B'·dYᵀ : dA'.
      dA = transA
        ? emit.node('Gemm', [inputs[1]!, dy], { transA: transB, transB: 1, alpha: { float: alpha } })
        : emit.node('Gemm', [dy, inputs[1]!], { transA: 0, transB: transB ? 0 : 1, alpha: { float: alpha } });
    }
    if (needs[1]) {
      // dB' = A'ᵀ·dY; dB = transB ? dB'ᵀ = dYᵀ·A' : dB'.
      dB = transB
        ? emit.node('Gemm', [dy, inputs[0]!], { transA: 1, transB: transA, alpha: { float: alpha } })
        : emit.node('Gemm', [inputs[0]!, dy], { transA: transA ? 0 : 1, transB: 0, alpha: { float: alpha } });
    }
    const dC = needs[2] ? scaled(emit.unbroadcast(dy, outputs[0]!, inputs[2]!), beta) : undefined;
    return [dA, dB, dC];
  },
};
