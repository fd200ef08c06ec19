/**
 * The write lock of a run folder: whoever writes into a RUN (record, concepts, probes, neurons,
 * circuits, attribution) holds `RUN/.lock`, a small JSON file naming its process. A second writer
 * fails at once with one line naming the holder, instead of both writers racing over the same
 * files. The file appears atomically with its content (written to a temp file, then hard-linked
 * to `.lock`, which fails when it exists), so a reader never sees a half-written lock.
 *
 * A lock left behind by a killed process (`kill -9`, power loss) is stale: its pid is no longer
 * alive on this host. The next writer takes it over and says so. A lock held on another host is
 * never taken over (its pid means nothing here); the message says how to remove it by hand.
 *
 * Inside {@link withRunLock} the lock is re-entrant along the call chain (async context), so a
 * writer that calls another writer on the same folder does not lock itself out, while two
 * independent calls in one process still exclude each other.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { closeSync, openSync, readFileSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { link, mkdir, readFile, rmdir, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { NeurolensError } from '../errors.js';
import { runMessages } from '../messages/run.js';
import { storeMessages } from '../messages/store.js';
import { pidAlive, tempPathFor } from './atomic.js';
import { wrapFsError } from './fs-errors.js';

/** Name of the lock file inside a run folder. */
export const RUN_LOCK_FILE = '.lock';
/** A takeover guard older than this was left by a process killed mid-takeover (which takes ms). */
const TAKEOVER_STALE_MS = 10_000;

/** What a lock file holds: who writes the folder, and since when. */
export interface RunLockOwner {
  pid: number;
  hostname: string;
  /** The writer, e.g. `record` (shown to a second writer). */
  command: string;
  /** ISO time the lock was taken. */
  since: string;
}

export interface RunLockOptions {
  /** Create the folder when it does not exist (writers that make the folder, like `record`). Default false. */
  create?: boolean;
  /** Receives one line when a stale lock is taken over. */
  onWarning?: (message: string) => void;
}

interface HeldLock {
  path: string;
  owner: RunLockOwner;
  /** The folder did not exist before: removed again on release when nothing was written. */
  created: boolean;
}

/** Locks this process holds, by folder (for the exit hook and to tell our own locks apart). */
const held = new Map<string, HeldLock>();
/** The folders locked by the current call chain (re-entry there is allowed). */
const chain = new AsyncLocalStorage<ReadonlySet<string>>();
let exitHookInstalled = false;

function parseOwner(text: string): RunLockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<RunLockOwner>;
    if (typeof value.pid === 'number' && typeof value.hostname === 'string' && typeof value.command === 'string' && typeof value.since === 'string') {
      return value as RunLockOwner;
    }
  } catch {
    // Unparsable: treated as stale below (a lock is always written whole, so this is damage).
  }
  return undefined;
}

async function readOwner(path: string): Promise<RunLockOwner | 'absent' | 'damaged'> {
  try {
    return parseOwner(await readFile(path, 'utf8')) ?? 'damaged';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw wrapFsError(error, path);
  }
}

function sameOwner(a: RunLockOwner, b: RunLockOwner): boolean {
  return a.pid === b.pid && a.hostname === b.hostname && a.since === b.since && a.command === b.command;
}

/** Creates `path` holding `text`, atomically; false when it already exists. */
async function createExclusive(path: string, text: string): Promise<boolean> {
  const temp = tempPathFor(path);
  const fd = openSync(temp, 'wx');
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw wrapFsError(error, path);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** Makes sure `dir` is a folder (creating it when asked); returns whether it was created. */
async function ensureFolder(dir: string, shown: string, create: boolean): Promise<boolean | 'missing'> {
  // A writer that makes the folder (an --out) is told to choose another path; one that writes into
  // a finished run (a --run) is told to pass the run folder, as reading it would say.
  const notAFolder = () => (create ? new NeurolensError('usage', storeMessages.notAFolder(shown)) : new NeurolensError('input', runMessages.notAFolder(shown)));
  try {
    if ((await stat(dir)).isDirectory()) return false;
    throw notAFolder();
  } catch (error) {
    if (error instanceof NeurolensError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw notAFolder();
    if (code !== 'ENOENT') throw wrapFsError(error, dir);
  }
  if (!create) return 'missing';
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST') throw new NeurolensError('usage', storeMessages.notAFolder(shown));
    throw wrapFsError(error, dir);
  }
  return true;
}

/** Removes a stale lock, serialised by a guard file so two takers cannot both succeed. */
async function takeOver(path: string, stale: RunLockOwner | 'damaged', me: RunLockOwner): Promise<boolean> {
  const guard = `${path}.takeover`;
  if (!(await createExclusive(guard, JSON.stringify(me)))) {
    const age = await stat(guard).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > TAKEOVER_STALE_MS) await unlink(guard).catch(() => undefined);
    return false;
  }
  try {
    const now = await readOwner(path);
    const unchanged = now === 'damaged' ? stale === 'damaged' : now !== 'absent' && stale !== 'damaged' && sameOwner(now, stale);
    if (unchanged) await unlink(path).catch(() => undefined);
    return true;
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

function releaseAllSync(): void {
  for (const lock of held.values()) {
    try {
      if (parseOwner(readFileSync(lock.path, 'utf8'))?.pid === process.pid) unlinkSync(lock.path);
      if (lock.created) rmdirSync(resolve(lock.path, '..'));
    } catch {
      // Exiting anyway: a lock left here is stale and the next writer takes it over.
    }
  }
  held.clear();
}

/**
 * Takes the write lock of `dir` for `command`; returns the function that releases it. Not
 * re-entrant (use {@link withRunLock} for that).
 * @throws NeurolensError('conflict') when another live process (or another call in this one) holds
 *   it, ('usage') when `dir` is a file.
 */
export async function acquireRunLock(dir: string, command: string, options: RunLockOptions = {}): Promise<() => Promise<void>> {
  const root = resolve(dir);
  const created = await ensureFolder(root, dir, options.create ?? false);
  // Nothing to protect yet: the writer itself reports the missing folder.
  if (created === 'missing') return async () => undefined;
  const path = join(root, RUN_LOCK_FILE);
  const me: RunLockOwner = { pid: process.pid, hostname: hostname(), command, since: new Date().toISOString() };
  const text = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; ; attempt++) {
    if (await createExclusive(path, text)) break;
    const owner = await readOwner(path);
    if (owner === 'absent') continue; // released between our two calls: try again
    // Our own pid in a lock this process does not hold: left by a dead process whose pid was reused.
    const ours = owner !== 'damaged' && owner.pid === process.pid && !held.has(root);
    const stale = owner === 'damaged' || (owner.hostname === me.hostname && (ours || (owner.pid !== process.pid && !pidAlive(owner.pid))));
    if (!stale || attempt >= 3) {
      throw new NeurolensError('conflict', owner === 'damaged' ? storeMessages.lockDamaged(path) : storeMessages.runLocked(dir, owner, path));
    }
    if (await takeOver(path, owner, me)) {
      options.onWarning?.(owner === 'damaged' ? storeMessages.lockDamagedTaken(path) : storeMessages.staleLockTaken(dir, owner));
    }
  }
  held.set(root, { path, owner: me, created });
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // process.exit (e.g. on Ctrl-C) skips finally blocks; release what is still held.
    process.on('exit', releaseAllSync);
  }
  return () => releaseRunLock(root);
}

async function releaseRunLock(root: string): Promise<void> {
  const lock = held.get(root);
  if (!lock) return;
  held.delete(root);
  const owner = await readOwner(lock.path).catch(() => undefined);
  if (owner && owner !== 'absent' && owner !== 'damaged' && sameOwner(owner, lock.owner)) await unlink(lock.path).catch(() => undefined);
  // A folder made only for the lock (the writer failed before writing anything) is removed again.
  if (lock.created) await rmdir(root).catch(() => undefined);
}

/**
 * Runs `fn` holding the write lock of `dir` (see {@link acquireRunLock}); released on return or
 * throw. Re-entrant: inside `fn`, locking `dir` again is a no-op.
 */
export async function withRunLock<T>(dir: string, command: string, fn: () => Promise<T>, options: RunLockOptions = {}): Promise<T> {
  const root = resolve(dir);
  const outer = chain.getStore();
  if (outer?.has(root)) return fn();
  const release = await acquireRunLock(dir, command, options);
  try {
    return await chain.run(new Set([...(outer ?? []), root]), fn);
  } finally {
    await release();
  }
}
