/**
 * Conv (input gradient only). dx is the transposed convolution of dy with the same weights.
 *
 * With every stride 1 it is emitted as a plain Conv — the weights' in/out channels swapped per
 * group and the kernel flipped, pads (K−1)·d − p — because onnxruntime's CPU Conv (blocked layout,
 * fused kernels) runs about three times faster than its ConvTranspose on the same sizes; the
 * weight transform is constant-folded at session start when the weights are initializers.
 * Strided convs keep ConvTranspose (a stride-s Conv on a zero-upsampled dy would waste s² of its
 * work): its weight layout [C_in_T, C_out_T/group, k…] is exactly Conv's [C_out, C_in/group, k…];
 * explicit begin pads (auto_pad resolved from the probed dims) and output_padding restore the
 * input rows/columns a strided window never reached. Weights and bias are not differentiated.
 */
import type { GradEmitter, RuleContext, RuleSpec } from '../types.js';

export const conv: RuleSpec = {
  op: 'Conv',
  vjp: (ctx) => {
    if (!ctx.needs[0]) return [];
    const g = geometry(ctx);
    // Slice with steps (the kernel flip) needs opset 10.
    const flippedPads = ctx.emit.opset >= 10 && g.strides.every((s) => s === 1) ? stridelessPads(g) : undefined;
    return [flippedPads ? flippedConv(ctx, g, flippedPads) : transposedConv(ctx, g)];
  },
};

interface Geometry {
  x: number[];
  y: number[];
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Explicit [begin…, end…] pads (auto_pad resolved). */
  pads: number[];
  group: number;
}

function geometry({ inputs, outputs, emit, attr }: RuleContext): Geometry {
  const x = emit.dims(inputs[0]!) as number[];
  const y = emit.dims(outputs[0]!) as number[];
  const kernel = emit.dims(inputs[1]!).slice(2) as number[];
  const spatial = x.length - 2;
  const strides = attr.ints('strides', Array(spatial).fill(1));
  const dilations = attr.ints('dilations', Array(spatial).fill(1));
  const autoPad = attr.string('auto_pad', 'NOTSET');
  let pads = attr.ints('pads', Array(spatial * 2).fill(0));
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = Array(spatial * 2).fill(0);
    for (let d = 0; d < spatial; d++) {
      const outSize = Math.ceil(x[d + 2]! / strides[d]!);
      const total = Math.max(0, (outSize - 1) * strides[d]! + (kernel[d]! - 1) * dilations[d]! + 1 - x[d + 2]!);
      const small = Math.floor(total / 2);
      pads[d] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[d + spatial] = total - pads[d]!;
    }
  }
  return { x, y, kernel, strides, dilations, pads, group: attr.int('group', 1) };
}

/**
 * Pads of the stride-1 Conv computing dx from dy: begin (K−1)·d − p_begin, end such that the
 * output has the input's size. Undefined when one is negative (pads larger than the reach).
 */
function stridelessPads(g: Geometry): number[] | undefined {
  const spatial = g.kernel.length;
  const begin: number[] = [];
  const end: number[] = [];
  for (let d = 0; d < spatial; d++) {
    const reach = (g.kernel[d]! - 1) * g.dilations[d]!;
    begin.push(reach - g.pads[d]!);
    end.push(g.x[d + 2]! - g.y[d + 2]! - begin[d]! + reach);
  }
  const pads = [...begin, ...end];
  return pads.every((p) => p >= 0) ? pads : undefined;
}

function flippedConv({ inputs, grads, emit }: RuleContext, g: Geometry, pads: number[]): string {
  return emit.node('Conv', [grads[0]!, flippedWeights(emit, inputs[1]!, g)], {
    dilations: g.dilations,
    pads,
    group: g.group,
    kernel_shape: g.kernel,
  });
}

/** W [C_out, C_in/g, k…] → [C_in, C_out/g, k…] per group, every kernel axis reversed. */
function flippedWeights(emit: GradEmitter, w: string, g: Geometry): string {
  const [cOut, cInPerGroup] = emit.dims(w) as number[];
  const spatial = g.kernel.length;
  const kernelAxes = Array.from({ length: spatial }, (_, i) => i + 3);
  const grouped = emit.node('Reshape', [w, emit.int64s([g.group, cOut! / g.group, cInPerGroup!, ...g.kernel])]);
  const swapped = emit.node('Transpose', [grouped], { perm: [0, 2, 1, ...kernelAxes] });
  let out = emit.node('Reshape', [swapped, emit.int64s([cInPerGroup! * g.group, cOut! / g.group, ...g.kernel])]);
  if (g.kernel.some((k) => k > 1)) {
    // Slice with step −1 from the last element down past the first (end −(k+1) clamps to before 0).
    const axes = kernelAxes.map((a) => a - 1);
    out = emit.node('Slice', [out, emit.int64s(axes.map(() => -1)), emit.int64s(g.kernel.map((k) => -(k + 1))), emit.int64s(axes), emit.int64s(axes.map(() => -1))]);
  }
  return out;
}

function transposedConv({ inputs, grads, emit }: RuleContext, g: Geometry): string {
  const spatial = g.kernel.length;
  const outputPadding: number[] = [];
  for (let d = 0; d < spatial; d++) {
    const reached = (g.y[d + 2]! - 1) * g.strides[d]! + (g.kernel[d]! - 1) * g.dilations[d]! + 1 - g.pads[d]! - g.pads[d + spatial]!;
    outputPadding.push(g.x[d + 2]! - reached);
  }
  return emit.node('ConvTranspose', [grads[0]!, inputs[1]!], {
    strides: g.strides,
    dilations: g.dilations,
    pads: g.pads,
    group: g.group,
    kernel_shape: g.kernel,
    output_padding: outputPadding,
  });
}
