/**
 * Conv (input gradient only): dx is the transposed convolution of dy with the same weights,
 * strides, dilations and groups — ConvTranspose's weight layout [C_in_T, C_out_T/group, k…] is
 * exactly Conv's [C_out, C_in/group, k…]. Explicit begin pads are used (auto_pad resolved from the
 * probed dims) and output_padding restores the input rows/columns a strided window never reached.
 * Weights and bias are not differentiated.
 */
import type { RuleSpec } from '../types.js';

export const conv: RuleSpec = {
  op: 'Conv',
  vjp: ({ inputs, outputs, grads, needs, emit, attr }) => {
    if (!needs[0]) return [];
    const x = emit.dims(inputs[0]!);
    const y = emit.dims(outputs[0]!);
    const k = emit.dims(inputs[1]!).slice(2) as number[];
    const spatial = x.length - 2;
    const strides = attr.ints('strides', Array(spatial).fill(1));
    const dilations = attr.ints('dilations', Array(spatial).fill(1));
    const autoPad = attr.string('auto_pad', 'NOTSET');
    let pads = attr.ints('pads', Array(spatial * 2).fill(0));
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      pads = Array(spatial * 2).fill(0);
      for (let d = 0; d < spatial; d++) {
        const inSize = x[d + 2] as number;
        const outSize = Math.ceil(inSize / strides[d]!);
        const total = Math.max(0, (outSize - 1) * strides[d]! + (k[d]! - 1) * dilations[d]! + 1 - inSize);
        const small = Math.floor(total / 2);
        pads[d] = autoPad === 'SAME_UPPER' ? small : total - small;
        pads[d + spatial] = total - pads[d]!;
      }
    }
    const outputPadding: number[] = [];
    for (let d = 0; d < spatial; d++) {
      const reached = ((y[d + 2] as number) - 1) * strides[d]! + (k[d]! - 1) * dilations[d]! + 1 - pads[d]! - pads[d + spatial]!;
      outputPadding.push((x[d + 2] as number) - reached);
    }
    const dx = emit.node('ConvTranspose', [grads[0]!, inputs[1]!], {
      strides,
      dilations,
      pads,
      group: attr.int('group', 1),
      kernel_shape: k,
      output_padding: outputPadding,
    });
    return [dx];
  },
};
