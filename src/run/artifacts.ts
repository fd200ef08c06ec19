/**
 * Checks of one artefact of a RUN against the manifest's record of it: the file exists, is a whole
 * `.npy` (header and length), and has the recorded dtype and shape; and, for activation matrices
 * of runs written before the manifest counted them, a scan for non-finite values.
 */
import { NeurolensError } from '../errors.js';
import { runMessages } from '../messages/run.js';
import type { ArtifactRecord } from '../record/types.js';
import { npyDifference } from '../record/verify.js';
import { NPY_DTYPES, NpyReader, readNpyHeader, type NpyHeader } from '../store/npy.js';

/** What a needed file must be: its dtype string and shape as the manifest writes them. */
export type Expected = Pick<ArtifactRecord, 'dtype' | 'shape'>;

/** The storage failure of a `.npy` read, as a short detail for {@link runMessages.artifactDamaged}. */
function damageDetail(error: NeurolensError): string {
  const truncated = /is truncated \(([^)]*)\)/.exec(error.message);
  if (truncated) return `truncated: ${truncated[1]}`;
  const header = /malformed \.npy header \(([^)]*)\)/.exec(error.message);
  if (header) return `malformed .npy header: ${header[1]}`;
  if (/not a NumPy/.test(error.message)) return 'not a .npy file';
  const dtype = /holds dtype '([^']*)'/.exec(error.message);
  return dtype ? `unsupported dtype ${dtype[1]}` : 'unreadable';
}

const describe = (dtype: string, shape: readonly number[]) => `${dtype} [${shape.join(', ')}]`;

/**
 * Reads `path`'s header and checks it against `expected` (a missing shape entry is not checked).
 * `shown` names the file in messages; `rebuild` is the command that rebuilds it.
 */
export async function checkNpy(path: string, shown: string, expected: Expected, rebuild: string): Promise<NpyHeader> {
  let header: NpyHeader;
  try {
    header = await readNpyHeader(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NeurolensError('input', runMessages.artifactMissing(shown, rebuild), { cause: error });
    if (error instanceof NeurolensError) throw new NeurolensError('input', runMessages.artifactDamaged(shown, damageDetail(error), rebuild), { cause: error });
    throw new NeurolensError('input', runMessages.artifactDamaged(shown, code ?? String(error), rebuild), { cause: error });
  }
  if (npyDifference(header, expected) !== undefined) {
    const found = describe(NPY_DTYPES[header.dtype].descr, header.shape);
    throw new NeurolensError('input', runMessages.artifactMismatch(shown, found, describe(expected.dtype, expected.shape), rebuild));
  }
  return header;
}

/** Rows read per step of a scan: bounded memory whatever the matrix size. */
const SCAN_VALUES = 1 << 22;

/** Counts the NaN and ±Inf values of a float32 `.npy` matrix, streaming its rows. */
export async function countNonFinite(path: string): Promise<number> {
  const reader = await NpyReader.open(path);
  try {
    const width = reader.header.shape.slice(1).reduce((a, b) => a * b, 1);
    const step = Math.max(1, Math.floor(SCAN_VALUES / Math.max(1, width)));
    let count = 0;
    for (let row = 0; row < reader.rows; row += step) {
      const values = await reader.readFloat32Rows(row, Math.min(step, reader.rows - row));
      for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) count++;
    }
    return count;
  } finally {
    await reader.close();
  }
}
