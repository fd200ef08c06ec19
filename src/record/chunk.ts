/**
 * Recording one chunk of images: decoded images (from the prefetcher) are batched, run through the
 * instrumented model in the worker — the next batch is submitted before the previous one is pooled,
 * so inference and pooling overlap — and the chunk's matrices are written atomically, then
 * journaled. A crash loses at most the chunk in progress.
 */
import { mkdir } from 'node:fs/promises';
import { isNeurolensError } from '../errors.js';
import { recordMessages } from '../messages/index.js';
import type { DecodedImage } from '../images/types.js';
import type { InstrumentedModel } from '../runtime/instrumented.js';
import { writeNpy } from '../store/npy.js';
import { writeJsonAtomic } from '../store/atomic.js';
import { appendJournal } from '../store/journal.js';
import { wrapFsError } from '../store/fs-errors.js';
import { poolBatch, poolView } from './pool.js';
import { pooledInGraph } from './reduced.js';
import { reductionKey, type Reduction } from '../onnx/reduce-taps.js';
import type { OrderedPrefetch } from './prefetch.js';
import type { ImageBuffers } from './image-buffers.js';
import type { RunPlan } from './plan.js';
import type { ChunkRecord } from './state.js';

export interface ChunkImage {
  index: number;
  path: string;
  sha256: string;
  width: number;
  height: number;
  /** The file's modification time when listed (see resume-check.ts). */
  mtimeMs?: number;
}

export interface ChunkSkip {
  index: number;
  path: string;
  reason: string;
  mtimeMs?: number;
}

export interface ChunkMeta {
  images: ChunkImage[];
  skipped: ChunkSkip[];
}

export interface ChunkContext {
  plan: RunPlan;
  model: InstrumentedModel;
  prefetch: OrderedPrefetch<DecodedImage>;
  /** Where the decoded images' arrays go back once copied into their batch. */
  buffers?: ImageBuffers;
  batch: number;
  chunkSize: number;
  /** Called after every image (recorded or skipped). */
  onImage: (skipped: boolean) => void;
  onWarning?: (message: string) => void;
}

/** Growable per-chunk matrices: one per layer × pooling, plus the model output. */
class ChunkMatrices {
  readonly pooled = new Map<string, Float32Array>();
  logits: Float32Array | undefined;
  outputWidth = 0;

  constructor(private readonly capacity: number) {}

  put(key: string, channels: number, row: number, values: Float32Array): void {
    let matrix = this.pooled.get(key);
    if (!matrix) this.pooled.set(key, (matrix = new Float32Array(this.capacity * channels)));
    matrix.set(values, row * channels);
  }

  putLogits(row: number, values: Float32Array, width: number): void {
    this.outputWidth = width;
    this.logits ??= new Float32Array(this.capacity * width);
    this.logits.set(values, row * width);
  }
}

export async function recordChunk(ctx: ChunkContext, chunk: number): Promise<ChunkRecord> {
  const { plan, model, batch } = ctx;
  const { layout, prep, entries, layers, poolings } = plan;
  const first = chunk * ctx.chunkSize;
  const count = Math.min(ctx.chunkSize, entries.length - first);
  const matrices = new ChunkMatrices(count);
  const meta: ChunkMeta = { images: [], skipped: [] };
  const imageSize = prep.channels * prep.height * prep.width;
  const inputName = plan.opened.summary.input.name;
  let rows = 0;
  let pending: { result: ReturnType<InstrumentedModel['run']>; row: number; n: number } | undefined;
  let waiting: DecodedImage[] = [];

  const consume = async (job: NonNullable<typeof pending>): Promise<void> => {
    const { taps, outputs, reduced } = await job.result;
    for (const layer of layers) {
      if (pooledInGraph(layer, poolings)) {
        for (const pooling of poolings) {
          const values = reduced[reductionKey(layer.tensor, pooling as Reduction)]!;
          if (values.data.length !== job.n * layer.channels) throw new Error(`record: ${layer.id} ${pooling} came back with ${values.data.length} values for ${job.n}×${layer.channels}`);
          matrices.put(`${layer.id}\u0000${pooling}`, layer.channels, job.row, values.data as Float32Array);
        }
        continue;
      }
      const tap = taps[layer.tensor]!;
      const view = poolView(tap.dims, layer.layout);
      const pooled = poolBatch(tap.data as Float32Array, view.dims, view.kind, poolings);
      for (const pooling of poolings) matrices.put(`${layer.id}\u0000${pooling}`, layer.channels, job.row, pooled[pooling]);
    }
    const output = outputs[plan.outputName]!;
    matrices.putLogits(job.row, output.data as Float32Array, output.data.length / job.n);
  };

  const submit = async (): Promise<void> => {
    if (waiting.length === 0) return;
    const n = waiting.length;
    const data = new Float32Array(n * imageSize);
    waiting.forEach((image, i) => {
      data.set(image.data, i * imageSize);
      ctx.buffers?.give(image.data);
    });
    const dims = prep.layout === 'NCHW' ? [n, prep.channels, prep.height, prep.width] : [n, prep.height, prep.width, prep.channels];
    const job = { result: model.run({ [inputName]: { data, dims } }), row: rows, n };
    rows += n;
    waiting = [];
    // Pool the previous batch while this one runs in the worker.
    if (pending) await consume(pending);
    pending = job;
  };

  for (let i = 0; i < count; i++) {
    const entry = entries[first + i]!;
    const result = await ctx.prefetch.next();
    if (!result) throw new Error('prefetch ran out of images');
    if (result.ok) {
      const image = result.value;
      meta.images.push({ index: first + i, path: entry.relPath, sha256: image.sha256, width: image.width, height: image.height, mtimeMs: entry.mtimeMs });
      waiting.push(image);
      if (waiting.length === batch) await submit();
      ctx.onImage(false);
    } else {
      if (!isNeurolensError(result.error)) throw result.error;
      const reason = result.error.message;
      meta.skipped.push({ index: first + i, path: entry.relPath, reason, mtimeMs: entry.mtimeMs });
      ctx.onWarning?.(recordMessages.skipped(entry.relPath, reason));
      ctx.onImage(true);
    }
  }
  await submit();
  if (pending) await consume(pending);
  await writeChunk(plan, chunk, matrices, rows, meta);
  const record: ChunkRecord = { chunk, images: rows, skipped: meta.skipped.length };
  await appendJournal(layout.journal, record);
  return record;
}

async function writeChunk(plan: RunPlan, chunk: number, matrices: ChunkMatrices, rows: number, meta: ChunkMeta): Promise<void> {
  const { layout, layers, poolings } = plan;
  const dir = layout.chunkDir(chunk);
  try {
    await mkdir(dir, { recursive: true });
    for (const layer of layers) {
      for (const pooling of poolings) {
        const matrix = matrices.pooled.get(`${layer.id}\u0000${pooling}`) ?? new Float32Array(0);
        await writeNpy(layout.chunkActivations(chunk, layer.id, pooling), matrix.subarray(0, rows * layer.channels), [rows, layer.channels]);
      }
    }
    const width = matrices.outputWidth;
    await writeNpy(layout.chunkLogits(chunk), (matrices.logits ?? new Float32Array(0)).subarray(0, rows * width), [rows, width]);
    await writeJsonAtomic(layout.chunkImages(chunk), meta);
  } catch (error) {
    throw wrapFsError(error, dir);
  }
}
