/**
 * Token layout of [N,T,D] tensors: how many leading tokens are not patches, and the patch grid.
 *
 * 1. The feature map the tokens were flattened from (the patch-embedding Conv output, found by
 *    gridSources in candidates.ts) gives the grid h×w; prefix = T − h·w when 0 ≤ prefix < h·w
 *    (class and register tokens come first in every common ViT).
 * 2. Otherwise (token merging, no patch Conv) a Reshape with a constant target [N,h,w,D] or
 *    [N,D,h,w] with h·w ≤ T < 2·h·w, nearest to the layer in topological order, gives the grid.
 * 3. Otherwise the grid is unknown: { prefix: 0, grid: null }.
 */
import { tensorValues } from '../tensor.js';
import type { GraphFacts } from './domains.js';
import type { TokenLayout } from './types.js';

export interface ReshapeTarget {
  node: number;
  dims: number[];
}

/** Constant 4-D Reshape targets in the graph. */
export function reshapeTargets(facts: GraphFacts): ReshapeTarget[] {
  const targets: ReshapeTarget[] = [];
  facts.nodes.forEach((node, i) => {
    if (node.opType !== 'Reshape') return;
    const shape = facts.constants.get(node.input?.[1] ?? '');
    if (!shape) return;
    try {
      const dims = tensorValues(shape);
      if (dims.length === 4) targets.push({ node: i, dims });
    } catch {
      // Not a readable integer tensor: not a usable target.
    }
  });
  return targets;
}

export function tokenLayout(
  count: number,
  channels: number,
  node: number,
  sourceDims: readonly (number | string)[] | undefined,
  targets: readonly ReshapeTarget[],
): TokenLayout {
  const fits = (h: number, w: number) => h > 0 && w > 0 && count >= h * w && count - h * w < h * w;
  if (sourceDims && sourceDims.length === 4) {
    const [h, w] = [sourceDims[2], sourceDims[3]];
    if (typeof h === 'number' && typeof w === 'number' && fits(h, w)) return { count, prefix: count - h * w, grid: [h, w] };
  }
  let best: { distance: number; grid: [number, number] } | undefined;
  for (const target of targets) {
    const d = target.dims;
    const grid: [number, number] | undefined = d[3] === channels ? [d[1]!, d[2]!] : d[1] === channels ? [d[2]!, d[3]!] : undefined;
    if (!grid || !fits(grid[0], grid[1])) continue;
    const distance = Math.abs(target.node - node);
    if (!best || distance < best.distance) best = { distance, grid };
  }
  if (best) return { count, prefix: count - best.grid[0] * best.grid[1], grid: best.grid };
  return { count, prefix: 0, grid: null };
}
