/**
 * First neighbours through a float32 GEMM, made exact by re-scoring in float64.
 *
 * onnxruntime (in a worker thread, via ModelSession) runs a two-node graph per block of rows:
 * Slice the vectors from the block's first row on, then Gemm the block against them. Only the upper
 * triangle of the n×n score matrix is computed (the score of i–j serves both rows), one block of
 * rows at a time, never the whole matrix. A key larger means nearer:
 * - cosine: key(i,j) = â_i·â_j with â = the float64-normalised rows rounded to float32;
 * - euclidean: rows are centred on their mean (distances do not change, magnitudes shrink) and
 *   rounded to float32 as a; key(i,j) = [2a_i, −‖a_i‖², 1]·[a_j, 1, −‖a_j‖²] = −‖a_i − a_j‖².
 *
 * Guarantee. ε_i bounds, for every j, how far key(i,j) can be from the exact value (up to sign,
 * the distance's monotone core: 1 − d for cosine, d² for euclidean) — float32 rounding of the
 * operands, the GEMM's accumulation error for ANY summation order, and the rounding of the float64
 * formula itself, doubled for slack (which also covers distances clipped at 0). So every exact
 * nearest neighbour j* of i has key(i,j*) ≥ max_j key(i,j) − 2ε_i. While streaming, each row keeps
 * its best key and every j within that margin of it; at the end those candidates are re-scored with
 * Space.dist — the same float64 function brute force uses — smallest distance first, ties → lowest
 * index. A row whose list grows past CAP (duplicates, zero rows, exact ties) is scanned again on its
 * full score row, keeping every candidate. So κ is identical to brute force, whatever MLAS does.
 */
import { GraphBuilder } from '../onnx/builder.js';
import { encodeModel } from '../onnx/codec.js';
import { ModelSession } from '../runtime/session.js';
import { exactNeighbours, type Neighbours } from './exact.js';
import type { SearchContext } from './neighbours.js';
import type { Space } from './space.js';

const U32 = 2 ** -24; // unit roundoff of float32
const U64 = 2 ** -53;
/** Candidates a row may hold (as j, key pairs) before it is rescanned on its full score row. */
const CAP = 32;
/** Score values per block (32 MB of float32): bounds onnxruntime's output and this side's copy. */
const BLOCK_VALUES = 2 ** 23;

interface Operands {
  /** Right-hand operand [n, width], row-major (the Gemm initializer, used transposed). */
  right: Float32Array;
  width: number;
  /** Left-hand rows i (in the order given), [rows.length, width]. */
  left: (rows: readonly number[] | { from: number; to: number }) => Float32Array;
  /** Twice ε_i: the candidate margin below row i's best key. */
  margin: Float64Array;
}

function rowList(rows: readonly number[] | { from: number; to: number }): number[] {
  if (Array.isArray(rows)) return rows as number[];
  const { from, to } = rows as { from: number; to: number };
  return Array.from({ length: to - from }, (_, r) => from + r);
}

function cosineOperands(space: Space): Operands {
  const { n, dims: d } = space;
  const right = Float32Array.from(space.vec);
  // â rounding (2u), GEMM accumulation ((d+2)·u with slack), float64 normalisation and dot.
  const eps = 1.05 * (d + 2) * U32 + 2.01 * U32 + 2 * (d + 4) * U64;
  const left = (rows: readonly number[] | { from: number; to: number }): Float32Array => {
    if (!Array.isArray(rows)) return right.slice((rows as { from: number }).from * d, (rows as { to: number }).to * d);
    const out = new Float32Array(rows.length * d);
    (rows as number[]).forEach((i, r) => out.set(right.subarray(i * d, i * d + d), r * d));
    return out;
  };
  return { right, width: d, left, margin: new Float64Array(n).fill(2 * 2 * eps) };
}

function euclideanOperands(space: Space): Operands | undefined {
  const { n, dims: d } = space;
  const w = d + 2;
  const centre = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) centre[k] += space.vec[i * d + k]!;
  for (let k = 0; k < d; k++) centre[k] = centre[k]! / n;
  const a = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) a[i * d + k] = space.vec[i * d + k]! - centre[k]!;
  const norm2 = new Float64Array(n);
  let maxA = 0;
  let maxX = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += a[i * d + k]! * a[i * d + k]!;
    norm2[i] = s;
    maxA = Math.max(maxA, Math.sqrt(s));
    maxX = Math.max(maxX, Math.sqrt(space.sq[i]!));
  }
  // Keys must stay far from float32 overflow; such data goes to the exact search instead.
  if (!(4 * (d + 2) * (maxA + 1) ** 2 < 1e36)) return undefined;
  const right = new Float32Array(n * w);
  for (let j = 0; j < n; j++) {
    right.set(a.subarray(j * d, j * d + d), j * w);
    right[j * w + d] = 1;
    right[j * w + d + 1] = -norm2[j]!;
  }
  const margin = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ra = (Math.sqrt(norm2[i]!) + maxA) ** 2;
    const rx = (Math.sqrt(space.sq[i]!) + maxX) ** 2;
    // GEMM accumulation, float32 rounding of the two −‖a‖² terms, centring and rounding of a,
    // float64 exact formula; then ×2 slack, ×2 for the margin.
    margin[i] = 2 * 2 * ((1.05 * (d + 2) + 1.01 + 2.2) * U32 * ra + 1.05 * (d + 3) * U64 * rx);
  }
  const left = (rows: readonly number[] | { from: number; to: number }): Float32Array => {
    const list = rowList(rows);
    const out = new Float32Array(list.length * w);
    list.forEach((i, r) => {
      for (let k = 0; k < d; k++) out[r * w + k] = 2 * a[i * d + k]!;
      out[r * w + d] = -norm2[i]!;
      out[r * w + d + 1] = 1;
    });
    return out;
  };
  return { right, width: w, left, margin };
}

/** scores = x · W[start:]ᵀ, x: [rows, width], W: [n, width] (an initializer, sliced per run). */
function buildModel(right: Float32Array, n: number, width: number): Uint8Array {
  const g = new GraphBuilder({ name: 'finch_neighbours', opset: 17 });
  const x = g.input('x', ['rows', width]);
  const start = g.input('start', [1], 'int64');
  const w = g.initializer('w', right, [n, width]);
  const tail = g.node('Slice', [w, start, g.int64s('end', [n]), g.int64s('axes', [0])]);
  g.node('Gemm', [x, tail], { transB: 1 }, { outputs: ['scores'] });
  g.output('scores', ['rows', 'cols']);
  return encodeModel(g.build());
}

/** Per-row best key and the candidates within the margin of it, filled while streaming. */
class Candidates {
  readonly best: Float64Array;
  /** best − margin; +Infinity once a row overflowed (it is rescanned later). */
  readonly threshold: Float64Array;
  readonly lists: (number[] | undefined)[];
  readonly overflow: number[] = [];

  constructor(n: number, private readonly margin: Float64Array) {
    this.best = new Float64Array(n).fill(-Infinity);
    this.threshold = new Float64Array(n).fill(-Infinity);
    this.lists = new Array<number[] | undefined>(n);
  }

  add(i: number, j: number, key: number): void {
    if (key > this.best[i]!) {
      this.best[i] = key;
      this.threshold[i] = key - this.margin[i]!;
    }
    let list = this.lists[i];
    if (!list) this.lists[i] = list = [];
    list.push(j, key);
    if (list.length > 2 * CAP) {
      const t = this.threshold[i]!;
      let kept = 0;
      for (let p = 0; p < list.length; p += 2) {
        if (list[p + 1]! >= t) {
          list[kept++] = list[p]!;
          list[kept++] = list[p + 1]!;
        }
      }
      list.length = kept;
      if (kept > 2 * CAP) {
        this.lists[i] = undefined;
        this.threshold[i] = Infinity;
        this.overflow.push(i);
      }
    }
  }
}

/** Exact re-scoring of row i's candidates; smallest distance, then lowest j. */
function rescore(space: Space, i: number, candidates: Iterable<number>, out: Neighbours): void {
  let best = Infinity;
  let arg = -1;
  for (const j of candidates) {
    const d = space.dist(i, j);
    if (d < best || (d === best && j < arg)) {
      best = d;
      arg = j;
    }
  }
  out.kappa[i] = arg;
  out.dist[i] = best;
}

/** Row blocks [from, to) whose upper-triangle score block stays near BLOCK_VALUES. */
function blocksOf(n: number): number[] {
  const starts = [0];
  while (starts.at(-1)! < n) {
    const from = starts.at(-1)!;
    starts.push(Math.min(n, from + Math.max(32, Math.floor(BLOCK_VALUES / (n - from)))));
  }
  return starts;
}

export async function gemmNeighbours(space: Space, ctx: SearchContext): Promise<Neighbours> {
  const n = space.n;
  const ops = space.metric === 'cosine' ? cosineOperands(space) : euclideanOperands(space);
  if (!ops) return exactNeighbours(space);
  const bytes = buildModel(ops.right, n, ops.width);
  if (space.metric === 'euclidean') ops.right = new Float32Array(0); // the model bytes hold it now
  const session = await ModelSession.createTransferring(bytes, ctx.threads ? { threads: ctx.threads } : {});
  const out: Neighbours = { kappa: new Int32Array(n).fill(-1), dist: new Float64Array(n).fill(Infinity) };
  const cand = new Candidates(n, ops.margin);
  const starts = blocksOf(n);
  const blocks = starts.length - 1;
  const run = (rows: readonly number[] | { from: number; to: number }, start: number) => {
    const count = Array.isArray(rows) ? rows.length : (rows as { to: number }).to - (rows as { from: number }).from;
    return session.run({ x: { data: ops.left(rows), dims: [count, ops.width] }, start: { data: BigInt64Array.of(BigInt(start)), dims: [1] } });
  };
  try {
    // Two runs in flight: the worker computes the next block while this thread scans the last.
    let pending = run({ from: starts[0]!, to: starts[1]! }, starts[0]!);
    for (let b = 0; b < blocks; b++) {
      const from = starts[b]!;
      const to = starts[b + 1]!;
      const scores = (await pending).scores!.data as Float32Array;
      if (b + 1 < blocks) pending = run({ from: to, to: starts[b + 2]! }, to);
      scanBlock(scores, from, to, n, cand);
      ctx.onBlock?.(b + 1, blocks);
    }
    for (let i = 0; i < n; i++) {
      const list = cand.lists[i];
      if (!list) continue;
      const t = cand.threshold[i]!;
      const js: number[] = [];
      for (let p = 0; p < list.length; p += 2) if (list[p + 1]! >= t) js.push(list[p]!);
      rescore(space, i, js, out);
    }
    // Overflowed rows: whole score rows, every candidate within the margin.
    const per = Math.max(1, Math.floor(BLOCK_VALUES / n));
    for (let s = 0; s < cand.overflow.length; s += per) {
      const rows = cand.overflow.slice(s, s + per);
      const scores = (await run(rows, 0)).scores!.data as Float32Array;
      rows.forEach((i, r) => {
        const o = r * n;
        let top = -Infinity;
        for (let j = 0; j < n; j++) if (j !== i && scores[o + j]! > top) top = scores[o + j]!;
        const t = top - ops.margin[i]!;
        const js: number[] = [];
        for (let j = 0; j < n; j++) if (j !== i && scores[o + j]! >= t) js.push(j);
        rescore(space, i, js, out);
      });
    }
  } finally {
    await session.close();
  }
  return out;
}

/** Pairs i < j of one block: scores[r, c] = key(from + r, from + c); each pair feeds both rows. */
function scanBlock(scores: Float32Array, from: number, to: number, n: number, cand: Candidates): void {
  const width = n - from;
  const threshold = cand.threshold;
  for (let i = from; i < to; i++) {
    const base = (i - from) * width - from;
    for (let j = i + 1; j < n; j++) {
      const key = scores[base + j]!;
      if (key >= threshold[i]!) cand.add(i, j, key);
      if (key >= threshold[j]!) cand.add(j, i, key);
    }
  }
}
