import { open, readFile, rm } from 'node:fs/promises';
import { NeurolensError } from '../errors.js';
import { storeMessages } from '../messages/store.js';
import { commitTempFile, tempPathFor } from './atomic.js';
import { wrapFsError } from './fs-errors.js';
import {
  NPY_DTYPES,
  allocTyped,
  assertLittleEndianHost,
  bytesOf,
  checkShape,
  dtypeOf,
  elementCount,
  npyHeader,
  npyHeaderLength,
  parseNpyHeader,
  typedFromBytes,
  type NpyArray,
  type NpyDtype,
  type NpyHeader,
  type NpyTypedArray,
} from './npy-format.js';

/**
 * Reading and writing `.npy` files (format: ./npy-format.ts). Every writer here is atomic: the
 * file appears under its final name only once complete and fsynced, so after a `kill -9` a
 * `.npy` either exists whole or not at all. Files load with `numpy.load(path, mmap_mode='r')`.
 */

export { npyHeader, parseNpyHeader, dtypeOf, NPY_DTYPES } from './npy-format.js';
export type { NpyArray, NpyDtype, NpyHeader, NpyTypedArray } from './npy-format.js';

type Handle = Awaited<ReturnType<typeof open>>;

/** Size of the longest header prefix we need to know the header's length. */
const PREFIX_BYTES = 12;
/** Copy buffer for concatenation: large enough for throughput, small enough to not matter. */
const COPY_CHUNK = 4 << 20;

async function writeAll(handle: Handle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done);
    done += bytesWritten;
  }
}

/** Fills `out` from `position`; a short file is reported as truncated. */
async function readInto(handle: Handle, out: Uint8Array, position: number, path: string, fileSize: number): Promise<void> {
  let done = 0;
  while (done < out.byteLength) {
    const { bytesRead } = await handle.read(out, done, out.byteLength - done, position + done);
    if (bytesRead === 0) throw new NeurolensError('input', storeMessages.npyTruncated(path, position + out.byteLength, fileSize));
    done += bytesRead;
  }
}

function rowElements(shape: readonly number[]): number {
  return elementCount(shape.slice(1));
}

async function readHeaderFrom(handle: Handle, path: string): Promise<NpyHeader & { fileSize: number }> {
  const { size } = await handle.stat();
  const prefix = Buffer.alloc(PREFIX_BYTES);
  const { bytesRead } = await handle.read(prefix, 0, PREFIX_BYTES, 0);
  const headerLength = npyHeaderLength(prefix.subarray(0, bytesRead), path);
  const headerBytes = Buffer.alloc(headerLength);
  await readInto(handle, headerBytes, 0, path, size);
  const header = parseNpyHeader(headerBytes, path);
  const expected = header.dataOffset + elementCount(header.shape) * NPY_DTYPES[header.dtype].itemSize;
  if (size < expected) throw new NeurolensError('input', storeMessages.npyTruncated(path, expected, size));
  if (size > expected) throw new NeurolensError('input', storeMessages.npyBadHeader(path, `${size - expected} bytes after the data`));
  return { ...header, fileSize: size };
}

/** The header of the `.npy` file at `path` (the data is not read). */
export async function readNpyHeader(path: string): Promise<NpyHeader> {
  const handle = await open(path, 'r');
  try {
    const { fileSize: _size, ...header } = await readHeaderFrom(handle, path);
    return header;
  } finally {
    await handle.close();
  }
}

/** Atomically writes `data` with `shape` (C order); the dtype follows the typed array. */
export async function writeNpy(path: string, data: NpyTypedArray, shape: readonly number[]): Promise<void> {
  checkShape(shape);
  if (elementCount(shape) !== data.length) throw new RangeError(`npy: ${data.length} values do not fill shape (${shape.join(', ')})`);
  const writer = await NpyRowWriter.open(path, dtypeOf(data), shape);
  try {
    if (data.length > 0) await writer.append(data);
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

/** Reads a whole `.npy` file. */
export async function readNpy(path: string): Promise<NpyArray> {
  const bytes = await readFile(path);
  const header = parseNpyHeader(bytes.subarray(0, npyHeaderLength(bytes.subarray(0, PREFIX_BYTES), path)), path);
  const { itemSize } = NPY_DTYPES[header.dtype];
  const expected = header.dataOffset + elementCount(header.shape) * itemSize;
  if (bytes.length < expected) throw new NeurolensError('input', storeMessages.npyTruncated(path, expected, bytes.length));
  if (bytes.length > expected) throw new NeurolensError('input', storeMessages.npyBadHeader(path, `${bytes.length - expected} bytes after the data`));
  return { dtype: header.dtype, shape: header.shape, data: typedFromBytes(header.dtype, bytes.subarray(header.dataOffset)) };
}

/** Rows `[start, start + count)` of a `.npy` file (along its first axis), read without the rest. */
export async function readNpyRows(path: string, start: number, count: number): Promise<NpyArray> {
  const reader = await NpyReader.open(path);
  try {
    return { dtype: reader.header.dtype, shape: [count, ...reader.header.shape.slice(1)], data: await reader.readRows(start, count) };
  } finally {
    await reader.close();
  }
}

/** An open `.npy` file for repeated row-range reads (keeps one file descriptor). */
export class NpyReader {
  private constructor(
    private readonly handle: Handle,
    readonly path: string,
    readonly header: NpyHeader,
    private readonly fileSize: number,
  ) {}

  static async open(path: string): Promise<NpyReader> {
    const handle = await open(path, 'r');
    try {
      const { fileSize, ...header } = await readHeaderFrom(handle, path);
      if (header.shape.length === 0) throw new NeurolensError('input', storeMessages.npyBadHeader(path, 'a scalar has no rows'));
      return new NpyReader(handle, path, header, fileSize);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Number of rows (the first dimension). */
  get rows(): number {
    return this.header.shape[0];
  }

  /** Rows `[start, start + count)` as one flat typed array. */
  async readRows(start: number, count: number): Promise<NpyTypedArray> {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > this.rows) {
      throw new RangeError(`npy: rows [${start}, ${start + count}) are outside ${this.path} (${this.rows} rows)`);
    }
    const { dtype, shape, dataOffset } = this.header;
    const rowBytes = rowElements(shape) * NPY_DTYPES[dtype].itemSize;
    const out = allocTyped(dtype, count * rowElements(shape));
    await readInto(this.handle, bytesOf(out), dataOffset + start * rowBytes, this.path, this.fileSize);
    return out;
  }

  /** Like {@link readRows} for a float32 file (the activation matrices); throws for other dtypes. */
  async readFloat32Rows(start: number, count: number): Promise<Float32Array> {
    if (this.header.dtype !== 'float32') throw new TypeError(`npy: ${this.path} holds ${this.header.dtype}, not float32`);
    return (await this.readRows(start, count)) as Float32Array;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/**
 * Streams rows into a `.npy` whose final shape is known up front. Rows go to a temp file next to
 * `path`; `close()` checks that exactly `shape[0]` rows arrived, fsyncs, and renames it into place.
 * Until then `path` is untouched. The array passed to `append` must not change until it resolves.
 */
export class NpyRowWriter {
  private written = 0;
  private closed = false;

  private constructor(
    private readonly handle: Handle,
    private readonly temp: string,
    readonly path: string,
    readonly dtype: NpyDtype,
    readonly shape: readonly number[],
  ) {}

  static async open(path: string, dtype: NpyDtype, shape: readonly number[]): Promise<NpyRowWriter> {
    assertLittleEndianHost();
    checkShape(shape);
    if (shape.length === 0) throw new RangeError('npy: NpyRowWriter needs at least one dimension');
    const temp = tempPathFor(path);
    let handle: Handle | undefined;
    try {
      handle = await open(temp, 'wx');
      await writeAll(handle, npyHeader(dtype, shape));
      return new NpyRowWriter(handle, temp, path, dtype, [...shape]);
    } catch (err) {
      await handle?.close();
      await rm(temp, { force: true });
      throw wrapFsError(err, path);
    }
  }

  /** Rows appended so far. */
  get rowsWritten(): number {
    return this.written;
  }

  /** Appends whole rows (`rows.length` must be a multiple of the row size) of the writer's dtype. */
  async append(rows: NpyTypedArray): Promise<void> {
    if (this.closed) throw new Error(`npy: append after close on ${this.path}`);
    if (dtypeOf(rows) !== this.dtype) throw new TypeError(`npy: appending ${dtypeOf(rows)} rows to a ${this.dtype} file`);
    const rowSize = rowElements(this.shape);
    const count = rowSize === 0 ? 0 : rows.length / rowSize;
    if (!Number.isInteger(count)) throw new RangeError(`npy: ${rows.length} values are not whole rows of ${rowSize}`);
    if (this.written + count > this.shape[0]) {
      throw new RangeError(`npy: ${this.written + count} rows exceed the declared ${this.shape[0]} for ${this.path}`);
    }
    try {
      await writeAll(this.handle, bytesOf(rows));
    } catch (err) {
      throw wrapFsError(err, this.path);
    }
    this.written += count;
  }

  /** Checks the row count, fsyncs and moves the file into place. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.written !== this.shape[0] && rowElements(this.shape) !== 0) {
      throw new RangeError(`npy: ${this.path} got ${this.written} rows, declared ${this.shape[0]}`);
    }
    this.closed = true;
    try {
      await this.handle.sync();
      await this.handle.close();
    } catch (err) {
      await rm(this.temp, { force: true });
      throw wrapFsError(err, this.path);
    }
    await commitTempFile(this.temp, this.path);
  }

  /** Drops the temp file; `path` stays as it was. Safe to call after a failure or twice. */
  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.handle.close().catch(() => undefined);
    }
    await rm(this.temp, { force: true });
  }
}

/**
 * Joins `.npy` files along their first axis into `dest` (atomically), streaming the data so only
 * a 4 MiB buffer is held. All parts must share dtype and trailing dimensions.
 */
export async function concatNpy(parts: readonly string[], dest: string): Promise<NpyHeader> {
  if (parts.length === 0) throw new RangeError('npy: concatNpy needs at least one part');
  const headers: (NpyHeader & { fileSize: number })[] = [];
  for (const part of parts) {
    const handle = await open(part, 'r');
    try {
      headers.push(await readHeaderFrom(handle, part));
    } finally {
      await handle.close();
    }
  }
  const first = headers[0];
  const tail = first.shape.slice(1);
  let rows = 0;
  headers.forEach((header, i) => {
    const sameTail = header.shape.length === first.shape.length && header.shape.slice(1).every((d, j) => d === tail[j]);
    if (first.shape.length === 0 || header.dtype !== first.dtype || !sameTail) {
      const detail = `${parts[i]} is ${header.dtype} (${header.shape.join(', ')}), ${parts[0]} is ${first.dtype} (${first.shape.join(', ')})`;
      throw new NeurolensError('input', storeMessages.npyConcatMismatch(dest, detail));
    }
    rows += header.shape[0];
  });

  const shape = [rows, ...tail];
  const writer = await NpyRowWriter.open(dest, first.dtype, shape);
  const rowBytes = elementCount(tail) * NPY_DTYPES[first.dtype].itemSize;
  const rowsPerChunk = rowBytes === 0 ? Number.MAX_SAFE_INTEGER : Math.max(1, Math.floor(COPY_CHUNK / rowBytes));
  try {
    for (let i = 0; i < parts.length; i++) {
      const reader = await NpyReader.open(parts[i]);
      try {
        for (let start = 0; start < reader.rows; start += rowsPerChunk) {
          await writer.append(await reader.readRows(start, Math.min(rowsPerChunk, reader.rows - start)));
        }
      } finally {
        await reader.close();
      }
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return { dtype: first.dtype, shape, fortranOrder: false, dataOffset: npyHeader(first.dtype, shape).length };
}
