/**
 * LayerNormalization: over the axes from `axis` on, x̂ = (x − μ)·r with r = 1/√(var + ε), and
 * y = x̂·scale + B. With g = dy·scale and means over the normalised axes,
 * dx = r·(g − mean(g) − x̂·mean(g·x̂)); dscale = Σ dy·x̂ and dB = Σ dy over the broadcast axes.
 * μ and r are recomputed in the graph's float type (the node's optional Mean/InvStdDev outputs
 * are float32 whatever the input type).
 */
import type { GradEmitter, RuleSpec } from '../types.js';

export const layerNormalization: RuleSpec = {
  op: 'LayerNormalization',
  vjp: ({ inputs, outputs, grads, needs, emit, attr }) => {
    const [x, scale, bias] = [inputs[0]!, inputs[1]!, inputs[2] ?? ''];
    const y = outputs[0]!;
    const rank = emit.rank(x);
    let axis = attr.int('axis', -1);
    if (axis < 0) axis += rank;
    const axes = Array.from({ length: rank - axis }, (_, i) => axis + i);
    const dy = grads[0]!;
    const sum = (t: string) => emit.reduceSum(t, axes, true);
    const mu = sum(x);
    const n = count(emit, x, mu, axes);
    const mean = (t: string) => emit.node('Div', [sum(t), n]);
    const centred = emit.node('Sub', [x, emit.node('Div', [mu, n])]);
    const variance = mean(emit.node('Mul', [centred, centred]));
    const r = emit.node('Reciprocal', [emit.node('Sqrt', [emit.node('Add', [variance, emit.constant([attr.float('epsilon', 1e-5)])])])]);
    const normalised = emit.node('Mul', [centred, r]);
    let dx: string | undefined;
    if (needs[0]) {
      const g = emit.node('Mul', [dy, scale]);
      const projection = emit.node('Mul', [normalised, mean(emit.node('Mul', [g, normalised]))]);
      dx = emit.node('Mul', [r, emit.node('Sub', [emit.node('Sub', [g, mean(g)]), projection])]);
    }
    const dScale = needs[1] ? emit.unbroadcast(emit.node('Mul', [dy, normalised]), y, scale) : undefined;
    const dBias = bias !== '' && needs[2] ? emit.unbroadcast(dy, y, bias) : undefined;
    return [dx, dScale, dBias];
  },
};

/** How many elements each normalisation averages: a constant, or counted at run time when an axis is symbolic. */
function count(emit: GradEmitter, x: string, reduced: string, axes: readonly number[]): string {
  const dims = axes.map((a) => emit.dims(x)[a]!);
  if (dims.every((d) => typeof d === 'number')) return emit.constant([(dims as number[]).reduce((p, d) => p * d, 1)]);
  const whole = emit.node('Cast', [emit.node('Size', [x])], { to: emit.dtype });
  const kept = emit.node('Cast', [emit.node('Size', [reduced])], { to: emit.dtype });
  return emit.node('Div', [whole, kept]);
}
