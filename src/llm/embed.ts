import { NeurolensError } from '../errors.js';
import { llmMessages } from '../messages/llm.js';
import { sha256 } from '../store/hash.js';
import type { TextEmbedder } from '../text/types.js';
import { cacheKey } from './cache.js';
import type { LlmClient } from './client.js';
import { mapBounded } from './limiter.js';

/**
 * `--embedder openai:<model>`: the embeddings endpoint, in batches (256 texts per request by
 * default, several batches in flight up to the client's limit), rows returned in input order
 * whatever order the server lists them in. Each row is cached on its own, keyed by (model, sha256
 * of the text, dimensions), as little-endian float32 in base64 — exact and a third of the size of
 * decimal JSON. Identical texts are sent once.
 */

export const DEFAULT_EMBED_BATCH = 256;

export interface EmbedOptions {
  client: LlmClient;
  /** Embedding model id on the server (`openai:<model>` without the prefix). */
  model: string;
  /** Texts per request. Default 256 (OpenAI accepts up to 2048). */
  batchSize?: number;
  /** Output width for models that can shorten their embeddings (`dimensions`). Default: the model's own. */
  dimensions?: number;
  /** Use the client's response cache (when it has one). Default true. */
  cache?: boolean;
  onProgress?: (progress: { done: number; total: number }) => void;
}

/** Row-major `rows × dims` float32 matrix. */
export interface EmbeddingMatrix {
  data: Float32Array;
  rows: number;
  dims: number;
}

interface CachedRow {
  dims: number;
  f32le: string;
}

/**
 * Embeddings of `texts`, one row per text in order. An empty text is sent as a single space
 * (OpenAI refuses empty input) but cached under its own key.
 *
 * @throws NeurolensError when the server fails, returns the wrong number of rows or rows of
 *   differing widths, or the cache holds rows of another width than the server now returns.
 */
export async function embedTexts(texts: readonly string[], options: EmbedOptions): Promise<EmbeddingMatrix> {
  const { client, model } = options;
  const batchSize = options.batchSize ?? DEFAULT_EMBED_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`embedTexts: batchSize must be an integer ≥ 1, got ${batchSize}`);
  const cache = options.cache === false ? undefined : client.cache;
  const keyOf = (text: string) => cacheKey('embeddings', model, { model, text: sha256(text), dimensions: options.dimensions });

  const keys = texts.map(keyOf);
  const unique = new Map<string, string>();
  keys.forEach((key, i) => {
    if (!unique.has(key)) unique.set(key, texts[i]!);
  });
  const hits = await mapBounded([...unique.keys()], 16, async (key) => decodeRow(await cache?.get(key)));
  const rows = new Map<string, Float32Array>();
  const todo: Array<{ key: string; text: string }> = [];
  [...unique].forEach(([key, text], i) => {
    const hit = hits[i];
    if (hit) rows.set(key, hit);
    else todo.push({ key, text });
  });
  const total = unique.size;
  let dims: number | undefined;
  const checkWidth = (width: number) => {
    dims ??= width;
    if (width !== dims) throw new NeurolensError('conflict', llmMessages.embeddingDimsChanged(model, dims, width, cache?.dir ?? '(cache)'));
  };
  for (const row of rows.values()) checkWidth(row.length);
  options.onProgress?.({ done: rows.size, total });

  const batches: Array<typeof todo> = [];
  for (let i = 0; i < todo.length; i += batchSize) batches.push(todo.slice(i, i + batchSize));
  await mapBounded(batches, client.concurrency, async (batch) => {
    const input = batch.map((t) => (t.text === '' ? ' ' : t.text));
    const response = await client.embeddings({ model, input, ...(options.dimensions === undefined ? {} : { dimensions: options.dimensions }) });
    const vectors = readRows(response, input.length, client.server, model);
    checkWidth(vectors[0]!.length);
    await Promise.all(batch.map(({ key }, i) => cache?.set(key, 'embeddings', model, encodeRow(vectors[i]!))));
    batch.forEach(({ key }, i) => rows.set(key, vectors[i]!));
    options.onProgress?.({ done: rows.size, total });
  });

  const width = dims ?? options.dimensions ?? 0;
  const data = new Float32Array(texts.length * width);
  keys.forEach((key, i) => data.set(rows.get(key)!, i * width));
  return { data, rows: texts.length, dims: width };
}

/** The response's rows as float32, ordered by their `index`, checked for count and shape. */
function readRows(response: unknown, expected: number, server: string, model: string): Float32Array[] {
  const fail = (detail: string): never => {
    throw new NeurolensError('runtime', llmMessages.badEmbeddings(server, model, detail));
  };
  const data = (response as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return fail('no data array');
  if (data.length !== expected) return fail(`${data.length} rows for ${expected} texts`);
  const out = new Array<Float32Array | undefined>(expected);
  data.forEach((item: { index?: unknown; embedding?: unknown }, position) => {
    const index = item?.index === undefined ? position : item.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= expected || out[index]) {
      return fail(`bad or repeated index ${JSON.stringify(index)}`);
    }
    const values = item.embedding;
    if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      return fail(`row ${index} is not a non-empty array of finite numbers`);
    }
    out[index] = Float32Array.from(values as number[]);
  });
  const rows = out as Float32Array[];
  if (rows.some((r) => r.length !== rows[0]!.length)) fail('rows of different lengths');
  return rows;
}

function encodeRow(row: Float32Array): CachedRow {
  const bytes = Buffer.alloc(row.length * 4);
  row.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  return { dims: row.length, f32le: bytes.toString('base64') };
}

function decodeRow(value: unknown): Float32Array | undefined {
  const row = value as Partial<CachedRow> | undefined;
  if (!row || typeof row.f32le !== 'string' || typeof row.dims !== 'number') return undefined;
  const bytes = Buffer.from(row.f32le, 'base64');
  if (bytes.length !== row.dims * 4 || row.dims === 0) return undefined;
  const out = new Float32Array(row.dims);
  for (let i = 0; i < row.dims; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/** {@link embedTexts} as the text pipeline's {@link TextEmbedder} (id `openai:<model>`). */
export class OpenAiEmbedder implements TextEmbedder {
  readonly id: string;
  readonly perText = true;
  private width: number;

  constructor(private readonly options: Omit<EmbedOptions, 'onProgress'>) {
    this.id = `openai:${options.model}`;
    this.width = options.dimensions ?? 0;
  }

  /** Row width: `dimensions` when given, else known after the first {@link embed} (0 before). */
  get dims(): number {
    return this.width;
  }

  async embed(texts: readonly string[]): Promise<Float32Array> {
    const { data, dims } = await embedTexts(texts, this.options);
    if (texts.length > 0) this.width = dims;
    return data;
  }
}
