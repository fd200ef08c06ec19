/**
 * Recording a set of chunks (a whole run, or a shard's range): images are decoded ahead in order,
 * batched within each chunk and journaled chunk by chunk, so which process records a chunk does
 * not change its bytes.
 */
import { performance } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import { NeurolensError } from '../errors.js';
import { imageMessages } from '../messages/index.js';
import { decodeConcurrency, decodeImage, tuneDecoding } from '../images/index.js';
import { InstrumentedModel } from '../runtime/instrumented.js';
import { OrderedPrefetch } from './prefetch.js';
import { decodeWindow, ImageBuffers } from './image-buffers.js';
import { recordChunk } from './chunk.js';
import { recordingSpec } from './reduced.js';
import type { RunPlan } from './plan.js';
import type { ChunkRecord, RunState } from './state.js';
import type { RecordHooks, RecordOptions } from './types.js';

/** Chunk indices `[first, end)`. */
export function chunkRange(first: number, end: number): number[] {
  return Array.from({ length: Math.max(0, end - first) }, (_, i) => first + i);
}

/** Images in chunk `c` of a run of `images` images cut into chunks of `chunkSize`. */
function chunkImages(c: number, images: number, chunkSize: number): number {
  return Math.max(0, Math.min(chunkSize, images - c * chunkSize));
}

/**
 * Records every chunk of `chunks` not in `done`; returns the number of images recorded. Progress
 * counts the images of `chunks` only (a shard's share). `hooks.signal` is checked before each
 * chunk, so an abort loses no finished chunk.
 */
export async function recordMissingChunks(
  plan: RunPlan,
  state: RunState,
  done: Map<number, ChunkRecord>,
  chunks: readonly number[],
  options: RecordOptions,
  hooks: RecordHooks,
): Promise<number> {
  const { entries } = plan;
  const todo = chunks.filter((c) => !done.has(c));
  const total = chunks.reduce((sum, c) => sum + chunkImages(c, entries.length, state.chunkSize), 0);
  const finished = chunks.filter((c) => done.has(c)).map((c) => done.get(c)!);
  let processed = finished.reduce((sum, r) => sum + r.images + r.skipped, 0);
  let skipped = finished.reduce((sum, r) => sum + r.skipped, 0);
  let recordedNow = 0;
  if (todo.length === 0) return 0;

  tuneDecoding();
  const order = todo.flatMap((c) => {
    const first = c * state.chunkSize;
    return Array.from({ length: Math.min(state.chunkSize, entries.length - first) }, (_, i) => first + i);
  });
  const imageFloats = plan.prep.channels * plan.prep.height * plan.prep.width;
  const buffers = new ImageBuffers(imageFloats);
  const decode = async (i: number) => {
    const entry = entries[order[i]!]!;
    if (entry.brokenLink) throw new NeurolensError('input', imageMessages.decodeFailed(entry.relPath, imageMessages.reasonBrokenLink()));
    const into = buffers.take();
    try {
      return await decodeImage(entry.path, plan.prep, { displayPath: entry.relPath, into });
    } catch (error) {
      buffers.give(into);
      throw error;
    }
  };
  const window = decodeWindow(imageFloats, state.batch, Math.max(decodeConcurrency(), 2));
  const prefetch = new OrderedPrefetch(order.length, decode, window);
  // The first images decode while the session is created (a few hundred ms of model loading).
  prefetch.start();
  const model = await InstrumentedModel.create(
    plan.opened.loaded.model,
    recordingSpec(plan.layers, plan.poolings),
    { threads: options.threads ?? availableParallelism(), executionProvider: options.executionProvider ?? 'cpu' },
    plan.opened.loaded.external ? undefined : plan.opened.loaded.bytes,
  );
  const recordStart = performance.now();
  let lastReport = 0;
  const report = (force = false) => {
    const now = performance.now();
    if (!force && now - lastReport < 200) return;
    lastReport = now;
    const rate = recordedNow / Math.max((now - recordStart) / 1000, 1e-9);
    const left = total - processed;
    hooks.onProgress?.({ phase: 'record', done: processed, total, skipped, rate, etaSeconds: rate > 0 ? left / rate : undefined });
  };
  try {
    report(true);
    for (const chunk of todo) {
      hooks.signal?.throwIfAborted();
      const record = await recordChunk(
        {
          plan,
          model,
          prefetch,
          buffers,
          batch: state.batch,
          chunkSize: state.chunkSize,
          onWarning: hooks.onWarning,
          onImage: (wasSkipped) => {
            processed++;
            if (wasSkipped) skipped++;
            else recordedNow++;
            report();
          },
        },
        chunk,
      );
      hooks.onChunk?.(record);
    }
    report(true);
  } finally {
    await model.close();
  }
  return recordedNow;
}
