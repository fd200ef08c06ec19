/**
 * First neighbours through a float32 GEMM, made exact by re-scoring in float64.
 *
 * onnxruntime runs one small graph per block of rows: Slice the vectors from the block's first row
 * on, Gemm the block against them, keep the scores at or above the running per-row thresholds
 * (NonZero of a mask) and return only those, with their keys.
 * Only the upper triangle of the n×n score matrix is computed (the key of i–j serves both rows),
 * one block of rows at a time; neither side ever holds the whole matrix. A larger key means nearer:
 * - cosine: key(i,j) = â_i·â_j with â = the float64-normalised rows rounded to float32;
 * - euclidean: rows are centred on their mean (distances do not change, magnitudes shrink) and
 *   rounded to float32 as a; key(i,j) = [2a_i, −‖a_i‖², 1]·[a_j, 1, −‖a_j‖²] = −‖a_i − a_j‖².
 *
 * Guarantee. ε_i bounds, for every j, how far key(i,j) can be from the exact value (up to sign,
 * the distance's monotone core: 1 − d for cosine, d² for euclidean) — float32 rounding of the
 * operands, the GEMM's accumulation error for ANY summation order, and the rounding of the float64
 * formula itself, doubled for slack (which also covers distances clipped at 0). So every exact
 * nearest neighbour j* of i has key(i,j*) ≥ max_j key(i,j) − 2ε_i. Each row keeps its best key so
 * far and every j within that margin of it; thresholds only rise, so a block filtered with a
 * slightly stale (lower) threshold loses nothing. At the end the candidates are re-scored with
 * Space.dist — the same float64 function brute force uses — smallest distance first, ties → lowest
 * index. A row whose list grows past CAP (many exact ties: duplicates, zero rows) is dropped from
 * the stream and later scanned on its full score row, keeping every candidate. So κ is identical
 * to brute force, whatever MLAS does. A first pass of a few evenly spaced rows against all rows
 * seeds the thresholds so that the filtered blocks stay small from the start.
 *
 * Why a main-thread onnxruntime session rather than ModelSession's worker: the vectors are the
 * graph's initializer, so every level (and every requested-count search) needs a new session, and
 * a worker costs a thread plus a module load per session (~0.3 s under tsx) and a copy of the
 * model bytes. finch() is a compute call with nothing else to do meanwhile; a run blocks the
 * event loop for one block (~0.1 s), and progress is reported between blocks.
 */
import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';
import { NeurolensError } from '../errors.js';
import { runtimeMessages } from '../messages/runtime.js';
import { GraphBuilder } from '../onnx/builder.js';
import { encodeModel } from '../onnx/codec.js';
import { createError, oneLine } from '../runtime/errors.js';
import { exactNeighbours, type Neighbours } from './exact.js';
import type { SearchContext } from './neighbours.js';
import { cosineOperands, euclideanOperands, type Operands } from './gemm-operands.js';
import type { Space } from './space.js';

// One onnxruntime logging environment per process (see runtime/probe.ts): keep it off stderr.
ort.env.logLevel = 'fatal';

/** Candidates a row may hold before it leaves the stream and is rescanned on its full score row. */
const CAP = 32;
/** Score values per block (32 MB of float32 inside onnxruntime). */
const BLOCK_VALUES = 2 ** 23;
/** Evenly spaced rows scored against all rows first, to seed the thresholds. */
const SEEDS = 256;
const INT32 = 6; // ONNX TensorProto.DataType

/**
 * scores = x · W[start:]ᵀ (W: [n, width], an initializer); hits = the (row, column) pairs whose score
 * reaches its row's or its column's threshold (int32 [2, nnz]); keys = those scores.
 */
function buildModel(right: Float32Array, n: number, width: number): Uint8Array {
  const g = new GraphBuilder({ name: 'finch_neighbours', opset: 17 });
  const x = g.input('x', ['rows', width]);
  const start = g.input('start', [1], 'int64');
  const rowThreshold = g.input('row_threshold', ['rows', 1]);
  const colThreshold = g.input('col_threshold', [1, 'cols']);
  const tail = g.node('Slice', [g.initializer('w', right, [n, width]), start, g.int64s('end', [n]), g.int64s('axes', [0])]);
  const scores = g.node('Gemm', [x, tail], { transB: 1 }, { outputs: ['scores'] });
  const hit = g.node('Or', [g.node('GreaterOrEqual', [scores, rowThreshold]), g.node('GreaterOrEqual', [scores, colThreshold])]);
  const where = g.node('NonZero', [hit]);
  g.node('Cast', [where], { to: INT32 }, { outputs: ['hits'] });
  g.node('GatherND', [scores, g.node('Transpose', [where], { perm: [1, 0] })], {}, { outputs: ['keys'] });
  g.output('scores', ['rows', 'cols']);
  g.output('hits', [2, 'hits'], 'int32');
  g.output('keys', ['hits']);
  return encodeModel(g.build());
}

/** The largest float32 ≤ x, so a float32 comparison never drops a key that reaches x. */
function floorF32(x: number): number {
  const f = Math.fround(x);
  if (f <= x || Number.isNaN(x)) return f;
  const bits = new Int32Array(new Float32Array([f]).buffer);
  if (f > 0) bits[0]!--;
  else if (f < 0) bits[0]!++;
  else bits[0] = 0x80000001 | 0; // −0 is not below 0: take the smallest negative subnormal
  return new Float32Array(bits.buffer)[0]!;
}

/** Per row: the best key so far and every candidate within the margin of it. */
class Candidates {
  readonly best: Float64Array;
  /** best − margin; −Infinity before any key, +Infinity once the row overflowed. */
  readonly threshold: Float64Array;
  readonly lists: (number[] | undefined)[];
  readonly overflow: number[] = [];

  constructor(n: number, private readonly margin: Float64Array) {
    this.best = new Float64Array(n).fill(-Infinity);
    this.threshold = new Float64Array(n).fill(-Infinity);
    this.lists = new Array<number[] | undefined>(n);
  }

  /** Offers j (with its key) to row i and i to row j. */
  offer(i: number, j: number, key: number): void {
    if (key >= this.threshold[i]!) this.add(i, j, key);
    if (key >= this.threshold[j]!) this.add(j, i, key);
  }

  private add(i: number, j: number, key: number): void {
    if (key > this.best[i]!) {
      this.best[i] = key;
      this.threshold[i] = key - this.margin[i]!;
    }
    let list = this.lists[i];
    if (!list) this.lists[i] = list = [];
    list.push(j, key);
    if (list.length <= 2 * CAP) return;
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

  /** Candidates of row i still within the margin of its final best key. */
  final(i: number): number[] {
    const list = this.lists[i] ?? [];
    const t = this.threshold[i]!;
    const out: number[] = [];
    for (let p = 0; p < list.length; p += 2) if (list[p + 1]! >= t) out.push(list[p]!);
    return out;
  }
}

/** Exact re-scoring of row i's candidates; smallest distance, then lowest j. */
function rescore(space: Space, i: number, candidates: readonly number[], out: Neighbours): void {
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

function range(from: number, to: number): Int32Array {
  const out = new Int32Array(to - from);
  for (let r = 0; r < out.length; r++) out[r] = from + r;
  return out;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One onnxruntime session over one set of vectors. */
class Scorer {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly ops: Operands,
    private readonly n: number,
  ) {}

  static async open(ops: Operands, n: number, threads: number | undefined): Promise<Scorer> {
    const bytes = buildModel(ops.right, n, ops.width);
    ops.right = new Float32Array(0); // the model holds it now
    try {
      const session = await ort.InferenceSession.create(bytes, {
        logSeverityLevel: 4, // errors come back as exceptions
        intraOpNumThreads: threads ?? availableParallelism(),
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        // Few, long runs: idle pool threads should sleep, not spin. On a shared machine spinning
        // burns the time the other GEMM thread needs (measured: ~20 % more CPU, slower wall time).
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      });
      return new Scorer(session, ops, n);
    } catch (error) {
      throw createError(message(error), String(ort.env.versions.node ?? ort.env.versions.common ?? '?'), 'cpu');
    }
  }

  close(): Promise<void> {
    return this.session.release();
  }

  private async run(x: Float32Array, rows: number, start: number, rowT: Float32Array, colT: Float32Array, fetch: string[]): Promise<ort.InferenceSession.ReturnType> {
    try {
      return await this.session.run(
        {
          x: new ort.Tensor('float32', x, [rows, this.ops.width]),
          start: new ort.Tensor('int64', BigInt64Array.of(BigInt(start)), [1]),
          row_threshold: new ort.Tensor('float32', rowT, [rows, 1]),
          col_threshold: new ort.Tensor('float32', colT, [1, colT.length]),
        },
        fetch,
      );
    } catch (error) {
      throw new NeurolensError('runtime', runtimeMessages.runFailed(oneLine(message(error))), { cause: error });
    }
  }

  /** Keys of rows from..to against columns from..n−1 that reach a row or column threshold. */
  async block(from: number, to: number, threshold: Float64Array): Promise<{ hits: Int32Array; keys: Float32Array }> {
    const rowT = new Float32Array(to - from);
    for (let r = 0; r < rowT.length; r++) rowT[r] = floorF32(threshold[from + r]!);
    const colT = new Float32Array(this.n - from);
    for (let c = 0; c < colT.length; c++) colT[c] = floorF32(threshold[from + c]!);
    const out = await this.run(this.ops.left(range(from, to)), to - from, from, rowT, colT, ['hits', 'keys']);
    return { hits: out.hits!.data as Int32Array, keys: out.keys!.data as Float32Array };
  }

  /** Calls `each(i, keys, offset)` with all n keys of every listed row i (keys[offset + j]). */
  async fullRows(rows: readonly number[], each: (i: number, keys: Float32Array, offset: number) => void): Promise<void> {
    const per = Math.max(1, Math.floor(BLOCK_VALUES / this.n));
    const none = (length: number) => new Float32Array(length).fill(Infinity);
    for (let s = 0; s < rows.length; s += per) {
      const batch = rows.slice(s, s + per);
      const out = await this.run(this.ops.left(batch), batch.length, 0, none(batch.length), none(this.n), ['scores']);
      const keys = out.scores!.data as Float32Array;
      batch.forEach((i, r) => each(i, keys, r * this.n));
    }
  }
}

/** κ, plus how many rows were rescanned on their full score row (tests check that path runs). */
export async function gemmNeighbours(space: Space, ctx: SearchContext): Promise<Neighbours & { rescanned: number }> {
  const n = space.n;
  const ops = space.metric === 'cosine' ? cosineOperands(space) : euclideanOperands(space);
  if (!ops) return { ...exactNeighbours(space), rescanned: 0 };
  const scorer = await Scorer.open(ops, n, ctx.threads);
  const cand = new Candidates(n, ops.margin);
  const out: Neighbours = { kappa: new Int32Array(n).fill(-1), dist: new Float64Array(n).fill(Infinity) };
  try {
    const seeds = Array.from({ length: Math.min(n, SEEDS) }, (_, k) => Math.floor((k * n) / Math.min(n, SEEDS)));
    await scorer.fullRows(seeds, (i, keys, o) => {
      for (let j = 0; j < n; j++) if (j !== i) cand.offer(i, j, keys[o + j]!);
    });

    const starts = blocksOf(n);
    const blocks = starts.length - 1;
    for (let b = 0; b < blocks; b++) {
      const from = starts[b]!;
      const { hits, keys } = await scorer.block(from, starts[b + 1]!, cand.threshold);
      const count = keys.length;
      for (let p = 0; p < count; p++) {
        const i = from + hits[p]!;
        const j = from + hits[count + p]!;
        if (j > i) cand.offer(i, j, keys[p]!); // j ≤ i: the block's leading square holds i itself and mirrored pairs
      }
      ctx.onBlock?.(b + 1, blocks);
    }
    for (let i = 0; i < n; i++) if (cand.lists[i]) rescore(space, i, cand.final(i), out);

    // Rows with too many near-ties: their whole score row, every candidate within the margin.
    await scorer.fullRows(cand.overflow, (i, keys, o) => {
      let top = -Infinity;
      for (let j = 0; j < n; j++) if (j !== i && keys[o + j]! > top) top = keys[o + j]!;
      const t = top - ops.margin[i]!;
      const js: number[] = [];
      for (let j = 0; j < n; j++) if (j !== i && keys[o + j]! >= t) js.push(j);
      rescore(space, i, js, out);
    });
  } finally {
    await scorer.close();
  }
  return { ...out, rescanned: cand.overflow.length };
}
