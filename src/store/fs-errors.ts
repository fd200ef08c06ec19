import { readFile } from 'node:fs/promises';
import { NeurolensError } from '../errors.js';
import { storeMessages } from '../messages/store.js';

/**
 * Turns the file-system failures a user can fix (full disk, quota, permissions, read-only mount)
 * into a one-line `NeurolensError('io')` that names the path and says how to resume. Anything
 * else is returned unchanged: it is either a bug or a condition the caller handles (ENOENT).
 *
 * Usage: `catch (err) { throw wrapFsError(err, path); }`
 */
export function wrapFsError(err: unknown, path: string): unknown {
  if (err instanceof NeurolensError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT': // over quota reads to the user exactly like a full disk
      return new NeurolensError('io', storeMessages.diskFull(path), { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new NeurolensError('io', storeMessages.permissionDenied(path), { cause: err });
    case 'EROFS':
      return new NeurolensError('io', storeMessages.readOnlyFs(path), { cause: err });
    default:
      return err;
  }
}


/** A text file's contents, or undefined when it does not exist; other failures as wrapFsError says. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw wrapFsError(error, path);
  }
}
