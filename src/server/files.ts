/**
 * `/files/<path>`: a file inside RUN, and nothing else. The raw (still percent-encoded) path is
 * checked before decoding — encoded dots, slashes, backslashes and NUL are refused outright, so
 * no decoding trick can form a traversal — then segment by segment after decoding, and finally
 * the real path (symlinks resolved) must lie inside the run's real path. Directories are never
 * listed. Also used for the SPA's own assets (rooted at dist/web).
 */
import { realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { HttpError, notFound } from './http-error.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Content type by file extension (application/octet-stream when unknown). */
export function contentType(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

const forbidden = (): HttpError => new HttpError(403, 'path outside the served folder');

/**
 * Real path of the regular file `rawRest` (URL path after the route prefix, not decoded) under
 * the real directory `root`; 403 for traversal attempts, 404 when absent or not a file.
 */
export async function resolveInside(root: string, rawRest: string): Promise<string> {
  if (/%(2e|2f|5c|00)/i.test(rawRest) || rawRest.includes('\\') || rawRest.includes('\0')) throw forbidden();
  if (rawRest.startsWith('/')) throw forbidden(); // `/files//etc/passwd`: an absolute path
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawRest);
  } catch {
    throw forbidden();
  }
  if (decoded.includes('\0') || decoded.includes('\\')) throw forbidden();
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) throw forbidden();
  const parts = segments.filter((s) => s !== '');
  if (parts.length === 0) throw notFound('file');
  let real: string;
  try {
    real = await realpath(join(root, ...parts));
  } catch {
    throw notFound('file');
  }
  if (real !== root && !real.startsWith(root.endsWith(sep) ? root : root + sep)) throw forbidden();
  const info = await stat(real).catch(() => null);
  if (!info?.isFile()) throw notFound('file');
  return real;
}
