/**
 * What the path methods (integrated-gradients, guided-ig, dga) share: the `--path-steps` option,
 * whose default depends on the method (each paper's own), and the reduction of an input attribution [C,H,W] to a map [H,W].
 *
 * The map sums a pixel's channels, signs kept: Σ_c attr[c,p]. A path attribution's total then
 * stays the map's total (what completeness speaks of), and a pixel whose channels pull in
 * opposite directions shows their net effect.
 */
import { positiveIntegerRule, type MethodOption } from './method.js';
import { valueIndex, type TensorShape } from './fill.js';
import type { AttributionMap } from './types.js';

declare module './types.js' {
  interface MethodOptions {
    /** integrated-gradients, guided-ig, dga: steps along the path (one gradient image each; integrated-gradients adds one for the baseline). Default: integrated-gradients 32, guided-ig 200 (the paper's reference code), dga 50. */
    steps?: number;
  }
}

/** The default step count per method; a method missing here gets FALLBACK_STEPS. */
export const STEPS_DEFAULTS: Readonly<Record<string, number>> = { 'integrated-gradients': 32, 'guided-ig': 200, dga: 50 };
const FALLBACK_STEPS = 50;

/** `--path-steps`, shared by the path methods (`attribute eval` has its own `--steps`: curve points). */
export const STEPS_OPTION: MethodOption = {
  key: 'steps',
  flag: '--path-steps',
  placeholder: '<n>',
  parse: 'integer',
  doc: 'steps along the path (one gradient image each)',
  defaultDoc: Object.entries(STEPS_DEFAULTS)
    .map(([method, n]) => `${method} ${n}`)
    .join(', '),
  default: (ctx) => STEPS_DEFAULTS[ctx.method ?? ''] ?? FALLBACK_STEPS,
  rule: positiveIntegerRule,
};

/** An input attribution (C·H·W in the input's layout) summed over channels into an H×W map. */
export function channelSum(attribution: ArrayLike<number>, shape: TensorShape): AttributionMap {
  const { height, width, channels } = shape;
  const data = new Float32Array(height * width);
  for (let p = 0; p < data.length; p++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += attribution[valueIndex(shape, c, p)]!;
    data[p] = sum;
  }
  return { data, height, width };
}
