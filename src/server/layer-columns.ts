/**
 * A layer's pooled activations (activations/LAYER.POOL.npy, images × channels) laid out channel by
 * channel for the neuron page, read once per layer and shared by every neuron request. A neuron's
 * quantile images need its whole column and its correlations need every channel of its layer and
 * the adjacent ones at the sampled rows; read from the row-major file, each request would stream
 * whole layers. Kept per run in an LRU bounded by bytes (LAYER_CACHE_BYTES), with concurrent
 * requests for a layer sharing one load.
 */
import { NpyReader } from '../store/npy.js';
import { forEachChunk } from './layer-scan.js';

/**
 * Bytes of layer data the explorer keeps per run: the bound on this cache's memory (a load in
 * flight when evicted lives until it finishes). 25,000 images × 2,048 channels take 234 MB (every
 * image, plus 3,572 sampled rows).
 */
export const LAYER_CACHE_BYTES = 512 * 2 ** 20;

/**
 * A layer channel by channel: every image of each channel when kept in full, and always the
 * sampled rows of each channel contiguous (a correlation reads every channel there; reading them
 * out of the full columns at a stride would touch nearly all of the layer's memory per neuron).
 */
export interface LayerColumns {
  /** Rows of the matrix (the run's images). */
  images: number;
  channels: number;
  /** The correlation sample: rows 0, stride, 2·stride, … (see correlationStride). */
  stride: number;
  /** Channel-major, channel c at [c·images, (c+1)·images); null when only the sample is kept. */
  full: Float32Array | null;
  /** Channel-major sampled rows, channel c at [c·m, (c+1)·m) with m = sampleCount (the full data itself at stride 1). */
  sample: Float32Array;
  /** Per channel over the sampled rows (in row order): whether all are finite, their sum and sum of squares. */
  sampleFinite: Uint8Array;
  sampleSum: Float64Array;
  sampleSquares: Float64Array;
}

/** Rows and channels of the blocks a layer is transposed in when loaded. */
const TILE = 32;

/** Rows 0, stride, 2·stride, … below `images`. */
export function sampleCount(images: number, stride: number): number {
  return Math.ceil(images / stride);
}

/** Channel `c`'s values at the sampled rows (a view). */
export function sampledColumn(layer: LayerColumns, c: number): Float32Array {
  const m = sampleCount(layer.images, layer.stride);
  return layer.sample.subarray(c * m, (c + 1) * m);
}

/** Channel `c` over every image; only for a layer kept in full. */
export function fullColumn(layer: LayerColumns, c: number): Float32Array {
  if (!layer.full) throw new Error('fullColumn: the layer holds only its sampled rows');
  return layer.full.subarray(c * layer.images, (c + 1) * layer.images);
}

/** One streaming pass: the matrix at `path` channel by channel, every row (`full`) and the sampled rows. */
export async function loadColumns(path: string, stride: number, full: boolean): Promise<LayerColumns> {
  const reader = await NpyReader.open(path);
  try {
    const images = reader.rows;
    const channels = reader.header.shape[1] ?? 1;
    const m = sampleCount(images, stride);
    const all = full ? new Float32Array(images * channels) : null;
    const sample = all && stride === 1 ? all : new Float32Array(m * channels);
    let start = 0;
    await forEachChunk(reader, channels, (chunk, count) => {
      // Transposed in TILE × TILE blocks: a row-by-row copy scatters each value of a row across the
      // whole layer, and this blocking is several times faster.
      for (let i0 = 0; i0 < count; i0 += TILE) {
        const i1 = Math.min(count, i0 + TILE);
        // The first sampled row of the block: rows start + i with (start + i) % stride = 0.
        const s0 = i0 + ((stride - ((start + i0) % stride)) % stride);
        for (let c0 = 0; c0 < channels; c0 += TILE) {
          const c1 = Math.min(channels, c0 + TILE);
          for (let c = c0; c < c1; c++) {
            if (all) for (let i = i0, at = c * images + start + i0; i < i1; i++, at++) all[at] = chunk[i * channels + c]!;
            if (sample !== all) for (let i = s0; i < i1; i += stride) sample[c * m + (start + i) / stride] = chunk[i * channels + c]!;
          }
        }
      }
      start += count;
    });
    const layer: LayerColumns = { images, channels, stride, full: all, sample, sampleFinite: new Uint8Array(channels), sampleSum: new Float64Array(channels), sampleSquares: new Float64Array(channels) };
    for (let c = 0; c < channels; c++) {
      const y = sampledColumn(layer, c);
      let finite = 1;
      let sum = 0;
      let squares = 0;
      for (let i = 0; i < y.length; i++) {
        const v = y[i]!;
        if (!Number.isFinite(v)) finite = 0;
        sum += v;
        squares += v * v;
      }
      [layer.sampleFinite[c], layer.sampleSum[c], layer.sampleSquares[c]] = [finite, sum, squares];
    }
    return layer;
  } finally {
    await reader.close();
  }
}

/** Bytes of a layer's values when kept in full (with its sample) or sampled only. */
export function layerBytes(images: number, channels: number, stride: number, full: boolean): number {
  const m = sampleCount(images, stride);
  return 4 * channels * (full ? images + (stride === 1 ? 0 : m) : m);
}

/**
 * Least-recently-used values by bytes, each loaded once: concurrent `get`s of a key share one
 * promise; a failed load is forgotten so a later request retries.
 */
export class ByteLru<T> {
  private readonly entries = new Map<string, { bytes: number; value: Promise<T> }>();
  private used = 0;
  /** Loads made per key (what the tests count). */
  readonly loads = new Map<string, number>();

  constructor(readonly budget: number) {}

  /** The value of `key` if present (marked as just used), without loading. */
  peek(key: string): Promise<T> | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit.value;
  }

  /** The value of `key`, loading it (`bytes` reserved up front) when absent; older entries leave to stay within budget. */
  get(key: string, bytes: number, load: () => Promise<T>): Promise<T> {
    const hit = this.peek(key);
    if (hit) return hit;
    // Larger than the whole budget: served, never kept.
    if (bytes > this.budget) return load();
    for (const [old, entry] of this.entries) {
      if (this.used + bytes <= this.budget) break;
      this.drop(old, entry);
    }
    const entry = { bytes, value: load() };
    this.loads.set(key, (this.loads.get(key) ?? 0) + 1);
    this.entries.set(key, entry);
    this.used += bytes;
    entry.value.catch(() => this.drop(key, entry));
    return entry.value;
  }

  get bytes(): number {
    return this.used;
  }

  private drop(key: string, entry: { bytes: number }): void {
    if (this.entries.get(key) !== entry) return;
    this.entries.delete(key);
    this.used -= entry.bytes;
  }
}

/**
 * A run's layers for the neuron page. A layer whose full matrix takes at most half the budget is
 * kept whole (exact quantiles from memory, and room left for its neighbours' samples); a larger one
 * keeps only its sampled rows, and a neuron's exact column is then streamed from disk, one pass
 * serving the channels asked for while it waits (see column).
 */
export class LayerCache {
  readonly lru: ByteLru<LayerColumns>;
  /** Per file: the channels waiting for the next column pass, and the last pass queued. */
  private readonly pending = new Map<string, Map<number, Waiter[]>>();
  private readonly passes = new Map<string, Promise<void>>();
  private readonly shapes = new Map<string, Promise<{ images: number; channels: number }>>();
  /** Streaming passes made for columns of layers too large to keep (the tests count them). */
  columnPasses = 0;

  constructor(readonly budget = LAYER_CACHE_BYTES) {
    this.lru = new ByteLru(budget);
  }

  /** Whether the full matrix of a layer is kept (else only its sample). */
  keepsFull(images: number, channels: number): boolean {
    return layerBytes(images, channels, 1, true) <= this.budget / 2;
  }

  /** The layer at `path` in full when it fits, else its sampled rows. */
  async layer(path: string, stride: number): Promise<LayerColumns> {
    const full = this.lru.peek(fullKey(path, stride));
    if (full) return full;
    const { images, channels } = await this.shape(path);
    if (!this.keepsFull(images, channels)) return this.sample(path, stride);
    return this.lru.get(fullKey(path, stride), layerBytes(images, channels, stride, true), () => loadColumns(path, stride, true));
  }

  /** The sampled rows only (a neighbouring layer): the full layer when already kept, else the sample. */
  async sample(path: string, stride: number): Promise<LayerColumns> {
    const full = this.lru.peek(fullKey(path, stride));
    if (full) return full;
    const { images, channels } = await this.shape(path);
    return this.lru.get(`sample:${stride}\u0000${path}`, layerBytes(images, channels, stride, false), () => loadColumns(path, stride, false));
  }

  /** Columns one streaming pass gathers: together at most a quarter of the budget. */
  columnsPerPass(images: number): number {
    return Math.max(1, Math.floor(this.budget / 4 / (4 * Math.max(1, images))));
  }

  /**
   * Channel `c` over every image: from a kept layer, or from a streaming pass of the file shared
   * with the channels asked for until it starts. Passes over a file run one after another, so the
   * columns held at once stay within columnsPerPass.
   */
  column(path: string, layer: LayerColumns, c: number): Promise<Float32Array> {
    if (layer.full) return Promise.resolve(fullColumn(layer, c));
    return new Promise((resolve, reject) => {
      let batch = this.pending.get(path);
      if (!batch || (batch.size >= this.columnsPerPass(layer.images) && !batch.has(c))) {
        const next = (batch = new Map<number, Waiter[]>());
        this.pending.set(path, next);
        // Starts after the previous pass and one turn of the event loop, so requests arriving meanwhile join.
        const pass = (this.passes.get(path) ?? Promise.resolve())
          .then(() => new Promise((done) => setImmediate(done)))
          .then(() => {
            if (this.pending.get(path) === next) this.pending.delete(path);
            return this.columnPass(path, next);
          })
          .catch((err: unknown) => {
            for (const list of next.values()) for (const w of list) w.reject(err);
          });
        this.passes.set(path, pass);
        void pass.then(() => this.passes.get(path) === pass && this.passes.delete(path));
      }
      const list = batch.get(c);
      if (list) list.push({ resolve, reject });
      else batch.set(c, [{ resolve, reject }]);
    });
  }

  private async columnPass(path: string, waiting: Map<number, Waiter[]>): Promise<void> {
    this.columnPasses++;
    const reader = await NpyReader.open(path);
    try {
      const channels = reader.header.shape[1] ?? 1;
      const columns = new Map([...waiting.keys()].map((c) => [c, new Float32Array(reader.rows)]));
      let at = 0;
      await forEachChunk(reader, channels, (chunk, count) => {
        for (let i = 0; i < count; i++, at++) for (const [c, column] of columns) column[at] = chunk[i * channels + c]!;
      });
      for (const [c, list] of waiting) for (const w of list) w.resolve(columns.get(c)!);
    } finally {
      await reader.close();
    }
  }

  /** Rows and channels of the matrix at `path` (its header, read once). */
  private shape(path: string): Promise<{ images: number; channels: number }> {
    let known = this.shapes.get(path);
    if (!known) {
      known = NpyReader.open(path).then(async (reader) => {
        await reader.close();
        return { images: reader.rows, channels: reader.header.shape[1] ?? 1 };
      });
      this.shapes.set(path, known);
      known.catch(() => this.shapes.delete(path));
    }
    return known;
  }
}

const fullKey = (path: string, stride: number) => `full:${stride}\u0000${path}`;

interface Waiter {
  resolve: (column: Float32Array) => void;
  reject: (err: unknown) => void;
}

const caches = new WeakMap<object, LayerCache>();

/** The layer cache of a run (one per RunIndex: the budget holds per run served); `budget` applies when it is made. */
export function layerCacheOf(run: object, budget = LAYER_CACHE_BYTES): LayerCache {
  let cache = caches.get(run);
  if (!cache) caches.set(run, (cache = new LayerCache(budget)));
  return cache;
}
