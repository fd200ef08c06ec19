/**
 * BatchNormalization, inference form: y = (x − mean)·r·scale + B with r = 1/√(var + ε) per
 * channel. dx = dy·scale·r; the parameters' gradients (when they are on the path) are
 * dB = Σ dy, dscale = Σ dy·(x − mean)·r, dmean = −Σ dx and dvar = −½·scale·r²·dscale, summed over
 * every axis but the channel's. Everything is emitted as ops, so scale, mean and var need not be
 * constants. Parameters are [C] (broadcast over the spatial axes) or, with opset < 9's spatial=0,
 * [C, D1, …].
 */
import { NeurolensError } from '../../errors.js';
import { gradMessages } from '../../messages/grad.js';
import type { RuleSpec } from '../types.js';

export const batchNormalization: RuleSpec = {
  op: 'BatchNormalization',
  vjp: ({ node, inputs, grads, needs, emit, attr }) => {
    if (attr.int('training_mode', 0) === 1) throw new NeurolensError('model', gradMessages.batchNormTraining(node.name ?? ''));
    const [x, scale, , mean, variance] = inputs as [string, string, string, string, string];
    const rank = emit.rank(x);
    const paramRank = emit.rank(scale);
    // Per-channel [C] parameters broadcast against [N, C, D…] once the spatial axes are added.
    const spatial = paramRank === 1 ? Array.from({ length: rank - 2 }, (_, i) => i + 2) : [];
    const view = (t: string) => emit.unsqueeze(t, spatial.map((a) => a - 1));
    const sumToParam = (t: string) => emit.reduceSum(t, [0, ...spatial], false);
    const dy = grads[0]!;
    const r = emit.node('Reciprocal', [emit.node('Sqrt', [emit.node('Add', [variance, emit.constant([attr.float('epsilon', 1e-5)])])])]);
    const gain = emit.node('Mul', [scale, r]);
    const dx = emit.node('Mul', [dy, view(gain)]);
    let dScale: string | undefined;
    if (needs[1] || needs[4]) {
      const centred = emit.node('Sub', [x, view(mean)]);
      dScale = emit.node('Mul', [sumToParam(emit.node('Mul', [dy, centred])), r]);
    }
    const dB = needs[2] ? sumToParam(dy) : undefined;
    const dMean = needs[3] ? emit.node('Neg', [sumToParam(dx)]) : undefined;
    const dVar = needs[4] ? emit.node('Mul', [emit.node('Mul', [gain, r]), emit.node('Mul', [dScale!, emit.constant([-0.5])])]) : undefined;
    return [needs[0] ? dx : undefined, needs[1] ? dScale : undefined, dB, dMean, dVar];
  },
};
