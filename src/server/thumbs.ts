/**
 * Thumbnails of run images: made once with sharp (fit inside SIZE×SIZE, PNG) from the image under
 * the recorded image root — which may lie outside RUN; only this route reads there, and only the
 * path images.parquet names for the index — and cached in RUN/.explorer-cache/thumbs/SIZE/.
 * Concurrent requests for one thumbnail share its generation. When RUN is read-only the bytes are
 * served without caching.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import sharp from 'sharp';
import { THUMB_SIZES } from './api.js';
import { badRequest, notFound } from './http-error.js';
import type { RunIndex } from './run-index.js';

const pending = new Map<string, Promise<Buffer>>();

export function thumbSize(text: string | null): 64 | 128 {
  if (text === null || text === '') return 128;
  const n = Number(text);
  if (!(THUMB_SIZES as readonly number[]).includes(n)) throw badRequest(`size must be one of ${THUMB_SIZES.join(', ')}`);
  return n as 64 | 128;
}

async function generate(run: RunIndex, index: number, size: number, cached: string): Promise<Buffer> {
  const row = await run.image(index);
  if (isAbsolute(row.path) || row.path.split(/[\\/]/).includes('..')) throw notFound(`image ${index}`);
  let bytes: Buffer;
  try {
    bytes = await sharp(join(run.manifest.images.root, row.path), { limitInputPixels: 1e8 })
      .rotate()
      .resize(size, size, { fit: 'inside', withoutEnlargement: false })
      .png()
      .toBuffer();
  } catch {
    throw notFound(`image file of image ${index}`);
  }
  try {
    await mkdir(join(cached, '..'), { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, cached);
  } catch {
    // read-only run: serve without caching
  }
  return bytes;
}

/** PNG bytes of image `index` at `size`, from the cache or made now. */
export async function thumbnail(run: RunIndex, index: number, size: 64 | 128): Promise<Buffer> {
  const cached = join(run.dir, '.explorer-cache', 'thumbs', String(size), `${index}.png`);
  try {
    return await readFile(cached);
  } catch {
    // not cached yet
  }
  const key = `${run.dir}\0${size}\0${index}`;
  let job = pending.get(key);
  if (!job) {
    job = generate(run, index, size, cached).finally(() => pending.delete(key));
    pending.set(key, job);
  }
  return job;
}

/** Parses the `:index` of `/thumb/:index`. */
export function thumbIndex(text: string): number {
  if (!/^\d{1,9}$/.test(text)) throw notFound('thumbnail');
  return Number(text);
}
