/**
 * Which layers the recorder pools inside the graph (src/onnx/reduce-taps.ts) instead of in
 * JavaScript: feature maps and token layers when every requested pooling is `mean` or `max`. Their
 * results are the same numbers (see reduce-taps.ts); the gain is that onnxruntime returns [N, C]
 * instead of whole maps. `top10` needs every position's value, so a layer recorded with it is
 * tapped whole and pooled by pool.ts, as are vectors (nothing to pool).
 */
import type { ReductionSpec } from '../onnx/reduce-taps.js';
import type { LayerRecord, Pooling } from './types.js';

/** The positions' axes of a layer's tapped tensor, or undefined when it is not pooled in the graph. */
function positionAxes(layer: LayerRecord): number[] | undefined {
  if (layer.kind === 'feature') return layer.layout === 'NHWC' ? [1, 2] : [2, 3];
  if (layer.kind === 'tokens') return [1];
  return undefined;
}

/** Whether `layer` is pooled in the graph for `poolings`. */
export function pooledInGraph(layer: LayerRecord, poolings: readonly Pooling[]): boolean {
  return positionAxes(layer) !== undefined && poolings.every((p) => p === 'mean' || p === 'max');
}

/** The in-graph reductions and the whole-tensor taps a recording of `layers` needs. */
export function recordingSpec(layers: readonly LayerRecord[], poolings: readonly Pooling[]): { taps: string[]; reductions: ReductionSpec[] } {
  const taps: string[] = [];
  const reductions: ReductionSpec[] = [];
  for (const layer of layers) {
    if (!pooledInGraph(layer, poolings)) {
      taps.push(layer.tensor);
      continue;
    }
    const axes = positionAxes(layer)!;
    for (const pooling of poolings) reductions.push({ tensor: layer.tensor, reduction: pooling as 'mean' | 'max', axes });
  }
  return { taps, reductions };
}
