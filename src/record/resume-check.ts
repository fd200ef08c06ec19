/**
 * Before a resumed run trusts its finished chunks, it checks that their images are still the files
 * that were recorded. The run's identity covers each file's path and size, so a file edited in
 * place to the same size would otherwise go unnoticed. A file whose modification time differs from
 * the one recorded is hashed again and compared with the recorded SHA-256; a chunk holding a
 * changed file is recorded again (the caller drops it from the finished set).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { recordMessages } from '../messages/index.js';
import type { ImageEntry } from '../images/types.js';
import type { ChunkMeta } from './chunk.js';
import type { RunPlan } from './plan.js';
import type { ChunkRecord } from './state.js';

async function sha256Of(path: string): Promise<string | undefined> {
  try {
    return createHash('sha256').update(await readFile(path)).digest('hex');
  } catch {
    return undefined; // unreadable now: not the file that was recorded
  }
}

/** True when `entry` may no longer be the file recorded with `mtimeMs` / `sha256`. */
async function changed(entry: ImageEntry, recorded: { mtimeMs?: number; sha256?: string }): Promise<boolean> {
  if (recorded.mtimeMs !== undefined && recorded.mtimeMs === entry.mtimeMs) return false;
  // A skipped file has no hash: a new modification time is enough to try it again.
  if (recorded.sha256 === undefined) return recorded.mtimeMs !== entry.mtimeMs;
  return (await sha256Of(entry.path)) !== recorded.sha256;
}

/** The first changed file of a finished chunk, or undefined when all are as recorded. */
async function firstChanged(plan: RunPlan, meta: ChunkMeta): Promise<string | undefined> {
  for (const item of [...meta.images, ...meta.skipped]) {
    const entry = plan.entries[item.index];
    if (!entry || entry.relPath !== item.path) return item.path;
    if (await changed(entry, item)) return item.path;
  }
  return undefined;
}

/**
 * Removes from `done` the chunks whose images changed since they were recorded, with one warning
 * per chunk naming the changed file; returns the chunks removed.
 */
export async function dropChangedChunks(plan: RunPlan, done: Map<number, ChunkRecord>, onWarning?: (message: string) => void): Promise<number[]> {
  const dropped: number[] = [];
  for (const chunk of [...done.keys()].sort((a, b) => a - b)) {
    let meta: ChunkMeta;
    try {
      meta = JSON.parse(await readFile(plan.layout.chunkImages(chunk), 'utf8')) as ChunkMeta;
    } catch {
      dropped.push(chunk); // its files are gone or damaged: record it again
      done.delete(chunk);
      continue;
    }
    const path = await firstChanged(plan, meta);
    if (path === undefined) continue;
    onWarning?.(recordMessages.imageChanged(path, chunk));
    dropped.push(chunk);
    done.delete(chunk);
  }
  return dropped;
}
