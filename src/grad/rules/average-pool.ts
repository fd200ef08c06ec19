/**
 * AveragePool: y = Σ_window x / count, so dx = ConvTranspose(dy / count) with an all-ones
 * depthwise kernel [C, 1, k…] and group C. The count depends only on the window's position, so
 * 1/count is a constant of the output's spatial dims, computed as onnxruntime counts: the window's
 * positions inside the input (count_include_pad 0) or inside the padded input (1).
 */
import type { RuleSpec } from '../types.js';
import { poolGeometry, spreadAttributes, windowPositions, type PoolGeometry } from './pool-geometry.js';

export const averagePool: RuleSpec = {
  op: 'AveragePool',
  vjp: (ctx) => {
    const { inputs, grads, emit, attr } = ctx;
    const g = poolGeometry(ctx);
    const channels = emit.dims(inputs[0]!)[1] as number;
    const weights = inverseCounts(g, attr.int('count_include_pad', 0) === 1);
    const scaled = emit.node('Mul', [grads[0]!, emit.constant(weights, g.outSize)]);
    const kernelSize = g.kernel.reduce((a, b) => a * b, 1);
    const ones = emit.constant(new Array(channels * kernelSize).fill(1), [channels, 1, ...g.kernel]);
    return [emit.node('ConvTranspose', [scaled, ones], { ...spreadAttributes(g), group: channels })];
  },
};

/** 1/count per output position, row-major over the output's spatial dims. */
function inverseCounts(g: PoolGeometry, includePad: boolean): number[] {
  // Windows are boxes, so the count is the product of the per-axis counts.
  const perAxis = g.outSize.map((size, axis) =>
    Array.from({ length: size }, (_, o) => {
      const low = includePad ? -g.pads[axis]! : 0;
      const high = g.inSize[axis]! + (includePad ? g.pads[axis + g.inSize.length]! : 0);
      return windowPositions(g, axis, o).filter((p) => p >= low && p < high).length;
    }),
  );
  let counts = [1];
  for (const axis of perAxis) counts = counts.flatMap((c) => axis.map((a) => c * a));
  return counts.map((c) => 1 / c);
}
