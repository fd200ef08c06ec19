import { endianness } from 'node:os';
import { NeurolensError } from '../errors.js';
import { storeMessages } from '../messages/store.js';

/**
 * The NumPy `.npy` format, versions 1.0 (written) and 1.0/2.0/3.0 (read), as specified in
 * numpy/lib/format.py ("NPY format"): the magic `\x93NUMPY`, a major and minor version byte, the
 * header length (uint16 LE in 1.0, uint32 LE in 2.0/3.0), then an ASCII Python dict literal with
 * keys `descr`, `fortran_order` and `shape`, terminated by `\n` and padded with spaces so that
 * magic + version + length + header is a multiple of 64 bytes. The raw C-order data follows.
 */

/** Element types neurolens stores. All are little-endian (uint8 has no byte order). */
export type NpyDtype = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8';

/** The typed array holding each dtype's elements. */
export type NpyTypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** An array as read from disk: element type, shape (C order) and the elements. */
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyTypedArray;
}

/** What the header of a `.npy` file says, and where its data starts. */
export interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  fortranOrder: boolean;
  /** Byte offset of the first element (magic + version + length field + header). */
  dataOffset: number;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const ALIGN = 64;
/** Bytes before the header text in a version 1.0 file: magic, 2 version bytes, uint16 length. */
const V1_PREFIX = MAGIC.length + 2 + 2;

interface DtypeInfo {
  descr: string;
  itemSize: number;
  make: (buffer: ArrayBuffer, byteOffset: number, length: number) => NpyTypedArray;
}

export const NPY_DTYPES: Readonly<Record<NpyDtype, DtypeInfo>> = {
  float32: { descr: '<f4', itemSize: 4, make: (b, o, n) => new Float32Array(b, o, n) },
  float64: { descr: '<f8', itemSize: 8, make: (b, o, n) => new Float64Array(b, o, n) },
  int32: { descr: '<i4', itemSize: 4, make: (b, o, n) => new Int32Array(b, o, n) },
  int64: { descr: '<i8', itemSize: 8, make: (b, o, n) => new BigInt64Array(b, o, n) },
  uint8: { descr: '|u1', itemSize: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
};

const DTYPE_BY_DESCR: Readonly<Record<string, NpyDtype>> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '<i4': 'int32',
  '<i8': 'int64',
  '|u1': 'uint8',
  '<u1': 'uint8', // same bytes; some writers spell it with a byte order
};

/** The dtype of a typed array neurolens can store. */
export function dtypeOf(array: NpyTypedArray): NpyDtype {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof BigInt64Array) return 'int64';
  if (array instanceof Uint8Array) return 'uint8';
  throw new TypeError('npy: unsupported typed array');
}

/** A zero-filled typed array of `length` elements of `dtype`. */
export function allocTyped(dtype: NpyDtype, length: number): NpyTypedArray {
  const info = NPY_DTYPES[dtype];
  return info.make(new ArrayBuffer(length * info.itemSize), 0, length);
}

/** The bytes of a typed array, without copying. */
export function bytesOf(array: NpyTypedArray): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** Copies raw little-endian bytes into a fresh (aligned) typed array of `dtype`. */
export function typedFromBytes(dtype: NpyDtype, bytes: Uint8Array): NpyTypedArray {
  assertLittleEndianHost();
  const { itemSize } = NPY_DTYPES[dtype];
  const out = allocTyped(dtype, bytes.byteLength / itemSize);
  bytesOf(out).set(bytes);
  return out;
}

/** Typed arrays share the host byte order; .npy data here is little-endian. */
export function assertLittleEndianHost(): void {
  if (endianness() !== 'LE') throw new Error('npy: big-endian hosts are not supported');
}

/** Number of elements of an array of `shape` (1 for the empty shape). */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

export function checkShape(shape: readonly number[]): void {
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) throw new RangeError(`npy: bad dimension ${dim} in shape`);
  }
}

/** Python's repr of a tuple of ints: `()`, `(n,)`, `(n, c)`. */
function shapeRepr(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/**
 * The version 1.0 header (magic through the padding newline) for a C-order array. Its length is
 * a multiple of 64, with the fewest padding spaces that achieve that.
 */
export function npyHeader(dtype: NpyDtype, shape: readonly number[]): Buffer {
  checkShape(shape);
  const dict = `{'descr': '${NPY_DTYPES[dtype].descr}', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  const unpadded = V1_PREFIX + dict.length + 1; // + the final newline
  const padding = (ALIGN - (unpadded % ALIGN)) % ALIGN;
  const text = `${dict}${' '.repeat(padding)}\n`;
  if (text.length > 0xffff) throw new RangeError('npy: header too long for format version 1.0');
  const header = Buffer.alloc(V1_PREFIX + text.length);
  MAGIC.copy(header, 0);
  header[6] = 1; // major version
  header[7] = 0; // minor version
  header.writeUInt16LE(text.length, 8);
  header.write(text, V1_PREFIX, 'latin1');
  return header;
}

/**
 * How many bytes the full header occupies, from the file's first 12 bytes (enough for every
 * version's prefix). Throws `NeurolensError('input')` when it is not a .npy file.
 */
export function npyHeaderLength(prefix: Uint8Array, path: string): number {
  const bytes = Buffer.from(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  if (bytes.length < V1_PREFIX || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new NeurolensError('input', storeMessages.npyNotNpy(path));
  }
  const major = bytes[6];
  if (major === 1) return V1_PREFIX + bytes.readUInt16LE(8);
  if ((major === 2 || major === 3) && bytes.length >= V1_PREFIX + 2) {
    return V1_PREFIX + 2 + bytes.readUInt32LE(8);
  }
  throw new NeurolensError('input', storeMessages.npyBadHeader(path, `unsupported version ${major}.${bytes[7]}`));
}

/** Parses a complete header (as long as {@link npyHeaderLength} says). */
export function parseNpyHeader(header: Uint8Array, path: string): NpyHeader {
  const dataOffset = npyHeaderLength(header, path);
  if (header.byteLength < dataOffset) throw new NeurolensError('input', storeMessages.npyBadHeader(path, 'header cut short'));
  const textStart = header[6] === 1 ? V1_PREFIX : V1_PREFIX + 2;
  const text = Buffer.from(header.buffer, header.byteOffset, header.byteLength).toString('latin1', textStart, dataOffset);
  const bad = (detail: string) => new NeurolensError('input', storeMessages.npyBadHeader(path, detail));

  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text)?.[1];
  if (descr === undefined) throw bad("no 'descr'");
  const dtype = DTYPE_BY_DESCR[descr];
  if (dtype === undefined) throw new NeurolensError('input', storeMessages.npyUnsupportedDtype(path, descr));

  const order = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  if (order === undefined) throw bad("no 'fortran_order'");

  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (shapeText === undefined) throw bad("no 'shape'");
  const shape = shapeText
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => (/^\d+L?$/.test(part) ? Number.parseInt(part, 10) : Number.NaN));
  if (shape.some((dim) => !Number.isSafeInteger(dim))) throw bad(`shape (${shapeText})`);

  const fortranOrder = order === 'True';
  // Fortran order only differs from C order with two or more non-trivial dimensions.
  if (fortranOrder && shape.filter((dim) => dim > 1).length > 1) throw bad('fortran_order True is not supported');
  return { dtype, shape, fortranOrder, dataOffset };
}
