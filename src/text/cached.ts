/**
 * Running a captioner or an embedder through the RUN's caches (./cache.ts): only inputs not seen
 * before are sent, in batches, and each finished batch is stored before the next starts — so an
 * interrupted run loses at most one batch and a re-run costs nothing. Identical images (same
 * sha256) and identical texts are sent once. Results do not depend on the batch size or on what
 * was cached before, as long as the provider itself is deterministic per input.
 */
import { NeurolensError } from '../errors.js';
import { textMessages } from '../messages/text.js';
import { cleanCaption } from './captions-file.js';
import { CaptionCache, EmbeddingCache, textKey } from './cache.js';
import type { CaptionImage, Captioner, TextEmbedder } from './types.js';

export interface CachedProgress {
  /** Distinct inputs handled so far (cached or computed). */
  done: number;
  /** Distinct inputs in all. */
  total: number;
  /** Of `done`, how many came from the cache. */
  cached: number;
}

export interface CachedRunOptions {
  /** Inputs per provider call. Default: the captioner's `batchSize`, else 16 images / 64 texts. */
  batchSize?: number;
  /** Read and write the cache (default true); false always calls the provider. */
  cache?: boolean;
  onProgress?: (progress: CachedProgress) => void;
}

export interface CachedCounts {
  /** Distinct inputs taken from the cache. */
  cached: number;
  /** Distinct inputs sent to the provider. */
  computed: number;
}

function batches<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be an integer ≥ 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** One caption per image (in order), captioning only images the cache lacks for this captioner. */
export async function captionImagesCached(
  runDir: string,
  captioner: Captioner,
  images: readonly CaptionImage[],
  options: CachedRunOptions = {},
): Promise<{ captions: string[] } & CachedCounts> {
  const cache = options.cache === false ? undefined : await CaptionCache.open(runDir);
  const bySha = new Map<string, string>();
  const todo: CaptionImage[] = [];
  const seen = new Set<string>();
  for (const image of images) {
    if (seen.has(image.sha256)) continue;
    seen.add(image.sha256);
    const hit = cache?.get(image.sha256, captioner.id);
    if (hit === undefined) todo.push(image);
    else bySha.set(image.sha256, hit);
  }
  const total = seen.size;
  const cached = bySha.size;
  options.onProgress?.({ done: cached, total, cached });
  for (const batch of batches(todo, options.batchSize ?? captioner.batchSize ?? 16)) {
    const captions = await captioner.caption(batch);
    if (captions.length !== batch.length || captions.some((c) => typeof c !== 'string')) {
      throw new Error(`captioner ${captioner.id} returned ${captions.length} captions for ${batch.length} images`);
    }
    const records = batch.map((image, i) => ({ image: image.sha256, captioner: captioner.id, caption: cleanCaption(captions[i]!) }));
    await cache?.add(records);
    for (const r of records) bySha.set(r.image, r.caption);
    options.onProgress?.({ done: bySha.size, total, cached });
  }
  return { captions: images.map((image) => bySha.get(image.sha256)!), cached, computed: todo.length };
}

/**
 * Embeds `texts` (row-major texts.length × dims). Per-text embedders go through the cache;
 * corpus-fitted ones (`perText: false`, e.g. TF-IDF) are called once on all texts, uncached.
 */
export async function embedTextsCached(
  runDir: string,
  embedder: TextEmbedder,
  texts: readonly string[],
  options: CachedRunOptions = {},
): Promise<{ vectors: Float32Array; dims: number } & CachedCounts> {
  if (embedder.perText === false) {
    const vectors = await embedder.embed(texts);
    checkRows(embedder, vectors, texts.length, embedder.dims);
    options.onProgress?.({ done: texts.length, total: texts.length, cached: 0 });
    return { vectors, dims: embedder.dims, cached: 0, computed: texts.length };
  }
  const cache = options.cache === false ? undefined : await EmbeddingCache.open(runDir, embedder.id);
  const keys = texts.map(textKey);
  const rows = new Map<string, Float32Array>();
  const todo: { key: string; text: string }[] = [];
  const seen = new Set<string>();
  keys.forEach((key, i) => {
    if (seen.has(key)) return;
    seen.add(key);
    const hit = cache?.get(key);
    if (hit === undefined) todo.push({ key, text: texts[i]! });
    else rows.set(key, hit);
  });
  const total = seen.size;
  const cached = rows.size;
  if (cache?.dims !== undefined && embedder.dims > 0 && cache.dims !== embedder.dims) {
    throw new NeurolensError('input', textMessages.cacheMismatch(cache.indexPath, `rows of ${cache.dims} values, but ${embedder.id} gives ${embedder.dims}`));
  }
  let dims = cache?.dims ?? (embedder.dims > 0 ? embedder.dims : undefined);
  options.onProgress?.({ done: cached, total, cached });
  for (const batch of batches(todo, options.batchSize ?? 64)) {
    const vectors = await embedder.embed(batch.map((b) => b.text));
    dims ??= vectors.length / batch.length;
    checkRows(embedder, vectors, batch.length, dims);
    const entries = batch.map((b, i) => ({ key: b.key, vector: vectors.subarray(i * dims!, (i + 1) * dims!) }));
    await cache?.add(entries);
    for (const e of entries) rows.set(e.key, e.vector);
    options.onProgress?.({ done: rows.size, total, cached });
  }
  dims ??= 0; // only when there is no text at all and nothing says the width
  const out = new Float32Array(texts.length * dims);
  keys.forEach((key, i) => out.set(rows.get(key)!, i * dims!));
  return { vectors: out, dims, cached, computed: todo.length };
}

function checkRows(embedder: TextEmbedder, vectors: Float32Array, count: number, dims: number): void {
  if (!Number.isInteger(dims) || vectors.length !== count * dims || (count > 0 && dims < 1)) {
    throw new Error(`embedder ${embedder.id} returned ${vectors.length} values for ${count} texts of ${dims} dims`);
  }
}
