import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { wrapFsError } from './fs-errors.js';

/**
 * Atomic file replacement: the data goes to a temporary file in the same folder (so the final
 * rename never crosses file systems), is fsynced, renamed over the target, and the folder is
 * fsynced so the rename itself survives a crash. A reader — or a run resumed after `kill -9` —
 * therefore sees either the old file or the complete new one, never a torn one.
 */

const TEMP_PATTERN = /\.(\d+)-\d+\.tmp$/;
let tempCounter = 0;

/** Name of a fresh temporary file next to `path` (pid + counter: unique within this machine). */
export function tempPathFor(path: string): string {
  tempCounter += 1;
  return `${path}.${process.pid}-${tempCounter}.tmp`;
}

/** True for names made by {@link tempPathFor}: leftovers of an interrupted write. */
export function isTempFile(name: string): boolean {
  return TEMP_PATTERN.test(name);
}

/** Removes leftover temporary files (from a killed run) in `dir`; returns the names removed. */
export async function removeTempFiles(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter(isTempFile).sort();
  for (const name of names) await rm(join(dir, name), { force: true });
  return names;
}

/**
 * Removes the temporary files in `dir` left by processes that are no longer alive (a write killed
 * midway); a live writer's temp files are kept. A missing `dir` is fine. Returns the names removed.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw wrapFsError(err, dir);
  }
  const stale = names.filter((name) => {
    const pid = TEMP_PATTERN.exec(name)?.[1];
    return pid !== undefined && !pidAlive(Number(pid));
  });
  for (const name of stale.sort()) await rm(join(dir, name), { force: true });
  return stale;
}

/** True when `pid` names a live process on this host (EPERM: alive, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Fsyncs a folder so a rename inside it is durable. Platforms that cannot do it are ignored. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    if (!isUnsupportedDirSync(err)) throw err;
  } finally {
    await handle?.close();
  }
}

function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (err) {
    if (!isUnsupportedDirSync(err)) throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isUnsupportedDirSync(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EISDIR' || code === 'EINVAL' || code === 'EPERM' || code === 'ENOTSUP';
}

/** Renames a finished, fsynced temp file over `path` and makes the rename durable. */
export async function commitTempFile(temp: string, path: string): Promise<void> {
  try {
    await rename(temp, path);
    await fsyncDir(dirname(path));
  } catch (err) {
    await rm(temp, { force: true });
    throw wrapFsError(err, path);
  }
}

/** Atomically replaces `path` with `data` (see the module comment). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = tempPathFor(path);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    await rm(temp, { force: true });
    throw wrapFsError(err, path);
  }
  await commitTempFile(temp, path);
}

/** Synchronous {@link writeFileAtomic}, for small files written where awaiting is awkward. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const temp = tempPathFor(path);
  try {
    const fd = openSync(temp, 'wx');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let done = 0;
      while (done < bytes.byteLength) done += writeSync(fd, bytes, done, bytes.byteLength - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    fsyncDirSync(dirname(path));
  } catch (err) {
    rmSync(temp, { force: true });
    throw wrapFsError(err, path);
  }
}

/**
 * Deterministic JSON text: 2-space indent, keys in insertion order, numbers as JavaScript prints
 * them, one trailing newline. Typed arrays are written as plain arrays. NaN, ±Infinity and
 * `undefined` at the top level have no JSON form and throw instead of silently becoming `null`.
 */
export function stableJson(value: unknown): string {
  const text = JSON.stringify(value, (key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw new TypeError(`stableJson: ${String(v)} at key '${key}' has no JSON form`);
    }
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => {
        if (typeof x === 'bigint') throw new TypeError(`stableJson: bigint at key '${key}' has no JSON form`);
        return x;
      });
    }
    return v;
  }, 2);
  if (text === undefined) throw new TypeError('stableJson: value has no JSON form');
  return `${text}\n`;
}

/** Atomically writes {@link stableJson}(`value`) to `path`. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, stableJson(value));
}

/** Synchronous {@link writeJsonAtomic}. */
export function writeJsonAtomicSync(path: string, value: unknown): void {
  writeFileAtomicSync(path, stableJson(value));
}

