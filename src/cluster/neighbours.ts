/**
 * First neighbours of every vector of a Space: brute force in float64 for small sets, and for
 * large ones an onnxruntime float32 GEMM that proposes candidates which are then re-scored
 * exactly (see gemm-search.ts). Both give the same κ, bit for bit.
 */
import { exactNeighbours, type Neighbours } from './exact.js';
import { gemmNeighbours } from './gemm-search.js';
import type { Space } from './space.js';

export type { Neighbours } from './exact.js';

/** How first neighbours are searched (results are identical; only speed differs). */
export type NeighbourSearch = 'auto' | 'gemm' | 'exact';

/** Below this many multiply-adds (n²·dims) brute force beats starting an onnxruntime session. */
const EXACT_WORK = 2 ** 27;

export interface SearchContext {
  search: NeighbourSearch;
  threads?: number;
  onBlock?: (done: number, total: number) => void;
}

export async function firstNeighbours(space: Space, ctx: SearchContext): Promise<Neighbours> {
  const exact = ctx.search === 'exact' || (ctx.search === 'auto' && space.n * space.n * space.dims <= EXACT_WORK) || space.n < 3;
  return exact ? exactNeighbours(space) : gemmNeighbours(space, ctx);
}
