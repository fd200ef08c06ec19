/**
 * Process-wide sharp settings for decoding many small images alongside onnxruntime. Nothing here
 * runs at import time: the recorder (or an embedding application) opts in by calling
 * `tuneDecoding()` once, because these settings affect every other sharp user in the process.
 *
 * Why these values: a ~256×256 JPEG decodes and resizes in a few milliseconds, too little work to
 * split across libvips threads, so one libvips thread per image (`sharp.concurrency(1)`) and
 * several images in flight at once (the recorder's decode concurrency, bounded by libuv's pool of
 * UV_THREADPOOL_SIZE threads, 4 by default) keeps the cores busy with the least synchronisation.
 * The libvips operation cache only helps when the same image is processed repeatedly, which never
 * happens here, so it is switched off to save memory.
 */
import { availableParallelism } from 'node:os';
import sharp from 'sharp';

/** Options of `tuneDecoding`. */
export interface DecodingTuning {
  /** libvips threads per image (`sharp.concurrency`); default 1. 0 restores libvips' own default. */
  readonly threadsPerImage?: number;
  /** Keep libvips' operation cache (default false: every image is new, caching only costs memory). */
  readonly cache?: boolean;
}

/** The settings in force after `tuneDecoding`. */
export interface AppliedDecodingTuning {
  /** libvips threads per image now in force. */
  readonly threadsPerImage: number;
  /** Whether libvips' operation cache is on. */
  readonly cache: boolean;
  /** Suggested number of `decodeImage` calls the recorder keeps in flight (see `decodeConcurrency`). */
  readonly decodeConcurrency: number;
}

/**
 * Applies the process-wide sharp settings for throughput (see the file comment) and returns them.
 * Call once, before decoding starts.
 */
export function tuneDecoding(options: DecodingTuning = {}): AppliedDecodingTuning {
  const threadsPerImage = sharp.concurrency(options.threadsPerImage ?? 1);
  const cache = options.cache ?? false;
  sharp.cache(cache);
  return { threadsPerImage, cache, decodeConcurrency: decodeConcurrency() };
}

/**
 * How many `decodeImage` calls to keep in flight: one per core plus one, so a core never idles
 * while an image is being read from disk, and never more than libuv's thread pool can run at once
 * (file reads and sharp share that pool; extra calls would only queue). On 2 cores with the default
 * pool of 4 this is 3, leaving one pool thread for onnxruntime-node's asynchronous `run`.
 */
export function decodeConcurrency(): number {
  const pool = Number(process.env['UV_THREADPOOL_SIZE']) || 4;
  return Math.max(1, Math.min(availableParallelism() + 1, pool));
}
