import { open, readFile } from 'node:fs/promises';
import { NeurolensError } from '../errors.js';
import { storeMessages } from '../messages/store.js';
import { wrapFsError } from './fs-errors.js';

/**
 * Append-only JSON-lines journal: one record per line, each line written with a single write and
 * fsynced before `appendJournal` resolves, so a record that was reported done is on disk.
 *
 * A `kill -9` (or power loss) during an append can leave only a torn LAST line: a prefix without
 * its newline, or a complete-looking line that does not parse. Readers drop it, since the record
 * it held was never acknowledged. Damage anywhere else cannot come from an interrupted append and
 * is reported as corruption.
 */

const NEWLINE = 0x0a;

interface ParsedJournal<T> {
  records: T[];
  /** Bytes from the start of the file up to and including the last valid record's newline. */
  validBytes: number;
}

function parseJournal<T>(path: string, bytes: Buffer): ParsedJournal<T> {
  const records: T[] = [];
  let start = 0;
  let validBytes = 0;
  let line = 0;
  while (start < bytes.length) {
    const end = bytes.indexOf(NEWLINE, start);
    line += 1;
    // No newline: an append was cut short. Newline bytes never occur inside UTF-8 sequences, so
    // splitting the raw bytes is safe.
    if (end === -1) break;
    let record: T;
    try {
      record = JSON.parse(bytes.toString('utf8', start, end)) as T;
    } catch (err) {
      if (end + 1 === bytes.length) break; // torn final line that happens to end in a newline
      throw new NeurolensError('input', storeMessages.journalCorrupt(path, line), { cause: err });
    }
    records.push(record);
    start = end + 1;
    validBytes = start;
  }
  return { records, validBytes };
}

async function readBytes(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw wrapFsError(err, path);
  }
}

/**
 * The complete records of the journal at `path`, oldest first; `[]` when the file does not exist.
 * A torn last line is ignored; a damaged line elsewhere throws `NeurolensError('input')`.
 */
export async function readJournal<T = unknown>(path: string): Promise<T[]> {
  const bytes = await readBytes(path);
  return bytes === undefined ? [] : parseJournal<T>(path, bytes).records;
}

/**
 * Like {@link readJournal}, and also cuts a torn last line off the file (fsynced), so the next
 * append starts on a clean line. Call it once when resuming a run, before appending.
 */
export async function recoverJournal<T = unknown>(path: string): Promise<T[]> {
  const bytes = await readBytes(path);
  if (bytes === undefined) return [];
  const { records, validBytes } = parseJournal<T>(path, bytes);
  if (validBytes < bytes.length) {
    try {
      const handle = await open(path, 'r+');
      try {
        await handle.truncate(validBytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      throw wrapFsError(err, path);
    }
  }
  return records;
}

/**
 * Appends `record` as one JSON line and fsyncs. If the file ends in a line without its newline
 * (an append killed midway), that fragment is cut off first so it cannot merge with this record.
 * The caller must not run two appends to the same file at once.
 */
export async function appendJournal(path: string, record: unknown): Promise<void> {
  const text = JSON.stringify(record);
  if (text === undefined) throw new TypeError('appendJournal: record has no JSON form');
  const line = Buffer.from(`${text}\n`, 'utf8');
  try {
    const handle = await open(path, 'a+');
    try {
      const { size } = await handle.stat();
      if (size > 0) await cutUnterminatedTail(handle, size);
      await handle.write(line);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw wrapFsError(err, path);
  }
}

type Handle = Awaited<ReturnType<typeof open>>;

/** Truncates the file after its last newline when it does not end with one. */
async function cutUnterminatedTail(handle: Handle, size: number): Promise<void> {
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  if (last[0] === NEWLINE) return; // the common case: one byte read
  const chunk = Buffer.alloc(4096);
  let end = size - 1;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const at = chunk.subarray(0, bytesRead).lastIndexOf(NEWLINE);
    if (at !== -1) {
      await handle.truncate(start + at + 1);
      return;
    }
    end = start;
  }
  await handle.truncate(0);
}
