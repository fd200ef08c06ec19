/**
 * Window geometry of MaxPool and AveragePool from their attributes and the probed dims, and the
 * ConvTranspose attributes that spread a cotangent of the pooled tensor back over each window —
 * ConvTranspose with kernel k, stride s, dilation d is the adjoint of gathering those windows, and
 * its pads/output_padding are chosen so it lands exactly on the input's spatial dims (ceil_mode
 * windows that run past the padded input, strided rows no window reaches).
 */
import type { RuleContext } from '../types.js';

export interface PoolGeometry {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Begin pads then end pads, auto_pad resolved. */
  pads: number[];
  /** Spatial dims of the input and the output. */
  inSize: number[];
  outSize: number[];
}

export function poolGeometry({ inputs, outputs, emit, attr }: RuleContext): PoolGeometry {
  const inSize = emit.dims(inputs[0]!).slice(2) as number[];
  const outSize = emit.dims(outputs[0]!).slice(2) as number[];
  const spatial = inSize.length;
  const kernel = attr.ints('kernel_shape', []);
  const strides = attr.ints('strides', Array(spatial).fill(1));
  const dilations = attr.ints('dilations', Array(spatial).fill(1));
  const autoPad = attr.string('auto_pad', 'NOTSET');
  let pads = attr.ints('pads', Array(spatial * 2).fill(0));
  if (autoPad !== 'NOTSET') pads = Array(spatial * 2).fill(0);
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    for (let d = 0; d < spatial; d++) {
      const total = Math.max(0, (outSize[d]! - 1) * strides[d]! + (kernel[d]! - 1) * dilations[d]! + 1 - inSize[d]!);
      const small = Math.floor(total / 2);
      pads[d] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[d + spatial] = total - pads[d]!;
    }
  }
  return { kernel, strides, dilations, pads, inSize, outSize };
}

/** ConvTranspose attributes (besides group) that map the pooled dims back onto the input's. */
export function spreadAttributes(g: PoolGeometry): Record<string, number[]> {
  const spatial = g.inSize.length;
  const ends: number[] = [];
  const outputPadding: number[] = [];
  for (let d = 0; d < spatial; d++) {
    const reach = (g.outSize[d]! - 1) * g.strides[d]! + (g.kernel[d]! - 1) * g.dilations[d]! + 1 - g.pads[d]!;
    // Crop what windows cover past the input's end; pad rows no window reaches.
    ends.push(Math.max(0, reach - g.inSize[d]!));
    outputPadding.push(Math.max(0, g.inSize[d]! - reach));
  }
  return {
    kernel_shape: g.kernel,
    strides: g.strides,
    dilations: g.dilations,
    pads: [...g.pads.slice(0, spatial), ...ends],
    output_padding: outputPadding,
  };
}

/** Input positions window `o` covers along one axis (including padding positions: < 0 or ≥ size). */
export function windowPositions(g: PoolGeometry, axis: number, o: number): number[] {
  return Array.from({ length: g.kernel[axis]! }, (_, j) => o * g.strides[axis]! - g.pads[axis]! + j * g.dilations[axis]!);
}
