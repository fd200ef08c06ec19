/**
 * Caches of captions and text embeddings in RUN/concepts/cache/, so re-running (or resuming) the
 * concept step never pays a captioner or embedder twice for the same input.
 *
 * captions.jsonl — append-only JSON lines, one per caption:
 *     {"image":"<sha256 of the image file>","captioner":"<provider id>","caption":"…"}
 *   keyed by (image sha256, captioner id); the first record of a key wins.
 *
 * embeddings/<slug>.jsonl + embeddings/<slug>.f32 — one pair per embedder id, where slug is the id
 *   made file-name safe plus the first 8 hex digits of its SHA-256 (so distinct ids never share
 *   files). The .jsonl starts with a header {"embedder":"<id>","dims":D,"format":1}; its k-th
 *   following line {"text":"<sha256 of the UTF-8 text>"} names row k of the .f32 file, which holds
 *   rows of D little-endian float32 values back to back. Binary rather than base64 JSON: a third
 *   smaller, read in one call, and float32 round-trips bit-exactly.
 *
 * Crash safety: every batch is one write followed by fsync; the .f32 rows are written (and
 * fsynced) before the index lines that name them. A kill at any moment therefore leaves at worst
 * a torn last line (dropped on open) or rows no line names (cut off on open); a complete line
 * always names a complete row. Before each append the file is cut back to the length this process
 * knows to be valid, so a failed append (full disk) cannot merge with the next one.
 * Damage anywhere but the last line is reported, with the advice to delete the cache file.
 * One process at a time may write a RUN's cache.
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { dirname, join } from 'node:path';
import { NeurolensError } from '../errors.js';
import { textMessages } from '../messages/text.js';
import { wrapFsError } from '../store/fs-errors.js';
import { sha256 } from '../store/hash.js';

const LITTLE_ENDIAN = endianness() === 'LE';

/** RUN/concepts/cache */
export function cacheDir(runDir: string): string {
  return join(runDir, 'concepts', 'cache');
}

/** Hex SHA-256 of a text's UTF-8 bytes: the embeddings cache key. */
export function textKey(text: string): string {
  return sha256(text);
}

/** File-name stem for an embedder id's cache files. */
export function embedderSlug(id: string): string {
  const safe = id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
  return `${safe}-${sha256(id).slice(0, 8)}`;
}

// --- low-level: JSON lines with a known-valid length ------------------------------------------

interface JsonLines {
  records: unknown[];
  /** Byte offset just after each record's newline. */
  ends: number[];
}

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw wrapFsError(err, path);
  }
}

/** Complete JSON lines of `bytes`; a torn last line is left out, damage elsewhere throws. */
function parseJsonLines(path: string, bytes: Buffer): JsonLines {
  const records: unknown[] = [];
  const ends: number[] = [];
  let start = 0;
  while (start < bytes.length) {
    const end = bytes.indexOf(0x0a, start);
    if (end === -1) break; // torn: the append never finished
    try {
      records.push(JSON.parse(bytes.toString('utf8', start, end)));
    } catch (err) {
      if (end + 1 === bytes.length) break; // torn last line that happens to end in a newline
      throw new NeurolensError('input', textMessages.cacheCorrupt(path, records.length + 1), { cause: err });
    }
    start = end + 1;
    ends.push(start);
  }
  return { records, ends };
}

/** An append-only file whose valid length this process tracks (see the module comment). */
class AppendFile {
  constructor(readonly path: string, public size: number) {}

  async append(data: Uint8Array): Promise<void> {
    try {
      await mkdir(dirname(this.path), { recursive: true });
      const handle = await open(this.path, 'a+');
      try {
        if ((await handle.stat()).size !== this.size) await handle.truncate(this.size);
        let done = 0;
        while (done < data.byteLength) done += (await handle.write(data, done, data.byteLength - done)).bytesWritten;
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      throw wrapFsError(err, this.path);
    }
    this.size += data.byteLength;
  }
}

function jsonLines(records: readonly unknown[]): Buffer {
  return Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8');
}

// --- captions ------------------------------------------------------------------------------------

export interface CachedCaption {
  /** Hex SHA-256 of the image file. */
  image: string;
  /** Captioner id. */
  captioner: string;
  caption: string;
}

function isCachedCaption(r: unknown): r is CachedCaption {
  const c = r as CachedCaption | null;
  return typeof c === 'object' && c !== null && typeof c.image === 'string' &&
    typeof c.captioner === 'string' && typeof c.caption === 'string';
}

/** The captions cache of one RUN (see the module comment). */
export class CaptionCache {
  private readonly entries = new Map<string, string>();

  private constructor(private readonly file: AppendFile) {}

  get path(): string {
    return this.file.path;
  }

  /** Number of cached (image, captioner) captions. */
  get size(): number {
    return this.entries.size;
  }

  /** Opens (without creating) RUN/concepts/cache/captions.jsonl. */
  static async open(runDir: string): Promise<CaptionCache> {
    const path = join(cacheDir(runDir), 'captions.jsonl');
    const bytes = await readOptional(path);
    const { records, ends } = bytes === undefined ? { records: [], ends: [] } : parseJsonLines(path, bytes);
    const cache = new CaptionCache(new AppendFile(path, ends.at(-1) ?? 0));
    records.forEach((r, i) => {
      if (!isCachedCaption(r)) throw new NeurolensError('input', textMessages.cacheCorrupt(path, i + 1));
      cache.remember(r);
    });
    return cache;
  }

  private static key(image: string, captioner: string): string {
    return `${captioner}\u0000${image}`;
  }

  private remember(r: CachedCaption): boolean {
    const key = CaptionCache.key(r.image, r.captioner);
    if (this.entries.has(key)) return false;
    this.entries.set(key, r.caption);
    return true;
  }

  get(image: string, captioner: string): string | undefined {
    return this.entries.get(CaptionCache.key(image, captioner));
  }

  /** Appends the captions not cached yet, in one durable write. */
  async add(captions: readonly CachedCaption[]): Promise<void> {
    const fresh = new Map<string, CachedCaption>(); // first of each key, like reading back
    for (const c of captions) {
      const key = CaptionCache.key(c.image, c.captioner);
      if (!this.entries.has(key) && !fresh.has(key)) fresh.set(key, { image: c.image, captioner: c.captioner, caption: c.caption });
    }
    if (fresh.size === 0) return;
    const records = [...fresh.values()];
    await this.file.append(jsonLines(records));
    for (const r of records) this.remember(r);
  }
}

// --- embeddings ----------------------------------------------------------------------------------

interface EmbeddingHeader {
  embedder: string;
  dims: number;
  format: 1;
}

/** The embeddings cache of one RUN and embedder (see the module comment). */
export class EmbeddingCache {
  private readonly rows = new Map<string, Float32Array>();
  private readonly index: AppendFile;
  private readonly data: AppendFile;
  private dimsValue: number | undefined;

  private constructor(readonly embedder: string, indexPath: string, dataPath: string) {
    this.index = new AppendFile(indexPath, 0);
    this.data = new AppendFile(dataPath, 0);
  }

  get indexPath(): string {
    return this.index.path;
  }

  get dataPath(): string {
    return this.data.path;
  }

  /** Row width, from the header; undefined while the cache is empty. */
  get dims(): number | undefined {
    return this.dimsValue;
  }

  get size(): number {
    return this.rows.size;
  }

  /** Opens (without creating) the cache files of `embedder` in RUN/concepts/cache/embeddings/. */
  static async open(runDir: string, embedder: string): Promise<EmbeddingCache> {
    const stem = join(cacheDir(runDir), 'embeddings', embedderSlug(embedder));
    const cache = new EmbeddingCache(embedder, `${stem}.jsonl`, `${stem}.f32`);
    await cache.load();
    return cache;
  }

  private async load(): Promise<void> {
    const indexPath = this.index.path;
    const bytes = await readOptional(indexPath);
    if (bytes === undefined) return;
    const { records, ends } = parseJsonLines(indexPath, bytes);
    if (records.length === 0) return; // only a torn header: start afresh
    const header = records[0] as EmbeddingHeader | null;
    if (typeof header !== 'object' || header === null || header.format !== 1 ||
        !Number.isInteger(header.dims) || header.dims < 1) {
      throw new NeurolensError('input', textMessages.cacheCorrupt(indexPath, 1));
    }
    if (header.embedder !== this.embedder) {
      throw new NeurolensError('input', textMessages.cacheMismatch(indexPath, `it holds '${header.embedder}', not '${this.embedder}'`));
    }
    const dims = header.dims;
    const rowBytes = dims * 4;
    const data = (await readOptional(this.data.path)) ?? Buffer.alloc(0);
    // Rows no line names (a kill between the two writes) are cut off; lines naming rows that are
    // not there (the .f32 file lost or cut short by hand) are dropped.
    const count = Math.min(records.length - 1, Math.floor(data.length / rowBytes));
    const copy = new Float32Array(count * dims);
    if (LITTLE_ENDIAN) new Uint8Array(copy.buffer).set(data.subarray(0, count * rowBytes));
    else for (let i = 0; i < copy.length; i++) copy[i] = data.readFloatLE(i * 4);
    for (let k = 0; k < count; k++) {
      const record = records[k + 1] as { text?: unknown } | null;
      if (typeof record !== 'object' || record === null || typeof record.text !== 'string') {
        throw new NeurolensError('input', textMessages.cacheCorrupt(indexPath, k + 2));
      }
      if (!this.rows.has(record.text)) this.rows.set(record.text, copy.subarray(k * dims, (k + 1) * dims));
    }
    this.dimsValue = dims;
    this.index.size = ends[count]!;
    this.data.size = count * rowBytes;
  }

  /** The cached row for a text key ({@link textKey}); a view, do not modify. */
  get(key: string): Float32Array | undefined {
    return this.rows.get(key);
  }

  /**
   * Appends the rows whose keys are not cached yet: the rows first, then their index lines, each
   * one durable write. The first add to an empty cache fixes `dims` (written as the header).
   */
  async add(entries: readonly { key: string; vector: Float32Array }[]): Promise<void> {
    const fresh = new Map<string, Float32Array>();
    for (const { key, vector } of entries) if (!this.rows.has(key) && !fresh.has(key)) fresh.set(key, vector);
    if (fresh.size === 0) return;
    const dims = this.dimsValue ?? [...fresh.values()][0]!.length;
    const lines: unknown[] = [];
    if (this.dimsValue === undefined) {
      if (dims < 1) throw new RangeError('EmbeddingCache.add: rows must not be empty');
      lines.push({ embedder: this.embedder, dims, format: 1 } satisfies EmbeddingHeader);
      this.index.size = 0; // a torn header line, if any, is overwritten
      this.data.size = 0;
    }
    const buffer = Buffer.alloc(fresh.size * dims * 4);
    let offset = 0;
    for (const [key, vector] of fresh) {
      if (vector.length !== dims) throw new RangeError(`EmbeddingCache.add: row of ${vector.length} values, cache rows have ${dims}`);
      for (let i = 0; i < dims; i++) offset = buffer.writeFloatLE(vector[i]!, offset);
      lines.push({ text: key });
    }
    const dataSize = this.data.size;
    await this.data.append(buffer);
    try {
      await this.index.append(jsonLines(lines));
    } catch (err) {
      this.data.size = dataSize; // the unnamed rows are cut off by the next append
      throw err;
    }
    this.dimsValue = dims;
    for (const [key, vector] of fresh) this.rows.set(key, Float32Array.from(vector));
  }
}
