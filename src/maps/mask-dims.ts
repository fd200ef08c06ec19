/** Mask shapes, apart from ablate.ts (which loads the runtime) so that declaring a method loads none. */
import type { AblateLayer } from './ablate.js';

/** Mask dims for `rows` rows of a layer: one value per (row, channel), broadcast over positions. */
export function maskDims(layer: Pick<AblateLayer, 'kind' | 'channels' | 'rank' | 'layout'>, rows: number): number[] {
  if (layer.kind === 'feature' && layer.layout === 'NHWC') return [rows, 1, 1, layer.channels];
  if (layer.kind === 'feature' || (layer.kind === 'vector' && layer.rank === 4)) return [rows, layer.channels, 1, 1];
  if (layer.kind === 'tokens') return [rows, 1, layer.channels];
  return [rows, layer.channels];
}
