/**
 * MaxPool: each output takes the one input element MaxPool's Indices output points at (flat
 * row-major offsets over the whole tensor, batch and channel included), so dx sums dy at those
 * elements — summing, since with overlapping windows one element can be the max of several.
 * From opset 16 that is one ScatterElements with reduction 'add'. Before, the indices are compared
 * with each window position's in-plane offset and the masked dy is spread back by a depthwise
 * ConvTranspose with one-hot kernels (exact, no scatter needed).
 */
import { NeurolensError } from '../../errors.js';
import { gradMessages } from '../../messages/grad.js';
import type { AttrInput, RuleContext, RuleSpec } from '../types.js';
import { poolGeometry, spreadAttributes, windowPositions } from './pool-geometry.js';

export const maxPool: RuleSpec = {
  op: 'MaxPool',
  vjp: (ctx) => {
    const { node, emit } = ctx;
    if (emit.opset < 8) throw new NeurolensError('model', gradMessages.maxPoolOpset(node.name ?? '', emit.opset));
    const indices = poolIndices(ctx);
    return [emit.opset >= 16 ? scatterBack(ctx, indices) : spreadBack(ctx, indices)];
  },
};

/** The node's own Indices output when it has a row-major one, else a second MaxPool computing it. */
function poolIndices({ inputs, outputs, emit, attr }: RuleContext): string {
  if ((outputs[1] ?? '') !== '' && attr.int('storage_order', 0) === 0) return outputs[1]!;
  const attributes: Record<string, AttrInput> = {};
  for (const name of ['kernel_shape', 'strides', 'pads', 'dilations']) if (attr.has(name)) attributes[name] = attr.ints(name, []);
  if (attr.has('ceil_mode')) attributes.ceil_mode = attr.int('ceil_mode', 0);
  if (attr.has('auto_pad')) attributes.auto_pad = attr.string('auto_pad', 'NOTSET');
  return emit.nodeOutputs('MaxPool', [inputs[0]!], attributes, 2)[1]!;
}

function scatterBack({ inputs, grads, emit }: RuleContext, indices: string): string {
  const flat = (t: string) => emit.node('Reshape', [t, emit.int64s([-1])]);
  const zeros = flat(emit.node('Expand', [emit.constant([0]), emit.shape(inputs[0]!)]));
  const summed = emit.node('ScatterElements', [zeros, flat(indices), flat(grads[0]!)], { axis: 0, reduction: 'add' });
  return emit.node('Reshape', [summed, emit.shape(inputs[0]!)]);
}

function spreadBack(ctx: RuleContext, indices: string): string {
  const { inputs, grads, emit } = ctx;
  const g = poolGeometry(ctx);
  const channels = emit.dims(inputs[0]!)[1] as number;
  const plane = g.inSize.reduce((a, b) => a * b, 1);
  const windowSize = g.kernel.reduce((a, b) => a * b, 1);
  // In-plane offset of each index: idx − ⌊idx / plane⌋·plane (Mod needs opset 10).
  const planeSize = emit.int64s([plane]);
  const local = emit.node('Sub', [indices, emit.node('Mul', [emit.node('Div', [indices, planeSize]), planeSize])]);
  const offsets = windowOffsets(g);
  const expected = emit.node('Reshape', [emit.int64s(offsets), emit.int64s([windowSize, ...g.outSize])]);
  // [N, C, K, out…]: where window position k held the max, dy; else 0.
  const hit = emit.node('Cast', [emit.node('Equal', [emit.unsqueeze(local, [2]), expected])], { to: emit.dtype });
  const masked = emit.node('Mul', [hit, emit.unsqueeze(grads[0]!, [2])]);
  const stacked = emit.node('Reshape', [masked, emit.int64s([0, channels * windowSize, ...g.outSize])]);
  const oneHot = new Array<number>(channels * windowSize * windowSize).fill(0);
  for (let c = 0; c < channels; c++) for (let k = 0; k < windowSize; k++) oneHot[(c * windowSize + k) * windowSize + k] = 1;
  const kernel = emit.constant(oneHot, [channels * windowSize, 1, ...g.kernel]);
  return emit.node('ConvTranspose', [stacked, kernel], { ...spreadAttributes(g), group: channels });
}

/**
 * In-plane row-major offset of window position k at output position o, as [K, out…] row-major;
 * −1 where the position is padding (no index points there).
 */
function windowOffsets(g: ReturnType<typeof poolGeometry>): number[] {
  const axes = g.inSize.length;
  // Per axis: for each output position, its window's input positions.
  const perAxis = g.outSize.map((size, axis) => Array.from({ length: size }, (_, o) => windowPositions(g, axis, o)));
  const kernelIndex = cartesian(g.kernel);
  const outIndex = cartesian(g.outSize);
  const result: number[] = [];
  for (const k of kernelIndex) {
    for (const o of outIndex) {
      let offset = 0;
      let valid = true;
      for (let a = 0; a < axes; a++) {
        const p = perAxis[a]![o[a]!]![k[a]!]!;
        if (p < 0 || p >= g.inSize[a]!) valid = false;
        offset = offset * g.inSize[a]! + p;
      }
      result.push(valid ? offset : -1);
    }
  }
  return result;
}

/** Every index tuple of `dims`, row-major. */
function cartesian(dims: readonly number[]): number[][] {
  let tuples: number[][] = [[]];
  for (const size of dims) tuples = tuples.flatMap((t) => Array.from({ length: size }, (_, i) => [...t, i]));
  return tuples;
}
