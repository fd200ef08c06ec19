import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../store/atomic.js';
import { wrapFsError } from '../store/fs-errors.js';
import { sha256 } from '../store/hash.js';

/**
 * The response cache that makes re-runs free: one JSON file per request under a folder the caller
 * chooses (inside the RUN), named by the sha256 of the request's canonical JSON and sharded by the
 * first two hex characters (`ab/abcdef….json`) so no folder grows huge. Files are written
 * atomically, so a crash leaves either no entry or a complete one.
 *
 * The key covers the endpoint path (`chat/completions`, `embeddings`), the model id and the request
 * body — not the base URL, so the same model behind `localhost` and `127.0.0.1` shares entries.
 */

const FORMAT = 1;

/**
 * JSON with object keys sorted at every level and no whitespace, so two requests that differ only
 * in key order hash the same. Non-finite numbers have no JSON form and throw.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: a ${typeof value} has no JSON form`);
}

/** Hex sha256 of the canonical JSON of (endpoint, model, body): the cache key of one request. */
export function cacheKey(endpoint: string, model: string, body: unknown): string {
  return sha256(canonicalJson({ endpoint, model, body }));
}

interface Entry {
  format: number;
  key: string;
  endpoint: string;
  model: string;
  value: unknown;
}

export class ResponseCache {
  /** @param dir folder of the cache; created on the first write. */
  constructor(readonly dir: string) {}

  pathFor(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new TypeError(`ResponseCache: '${key}' is not a sha256 hex key`);
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  /**
   * The value stored under `key`, or undefined when there is none. An entry that does not parse or
   * belongs to another key (edited by hand) counts as missing and is overwritten by the next write.
   */
  async get(key: string): Promise<unknown> {
    const path = this.pathFor(key);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw wrapFsError(err, path);
    }
    try {
      const entry = JSON.parse(text) as Partial<Entry> | null;
      if (entry?.format !== FORMAT || entry.key !== key || !('value' in entry)) return undefined;
      return entry.value;
    } catch {
      return undefined;
    }
  }

  /** Stores `value` (any JSON) under `key`; endpoint and model are kept for people reading the files. */
  async set(key: string, endpoint: string, model: string, value: unknown): Promise<void> {
    const path = this.pathFor(key);
    try {
      await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
    } catch (err) {
      throw wrapFsError(err, path);
    }
    const entry: Entry = { format: FORMAT, key, endpoint, model, value };
    await writeJsonAtomic(path, entry);
  }
}
