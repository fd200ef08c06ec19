/** HTTP errors of the explorer and how any error becomes a status and a one-line message. */
import { isNeurolensError } from '../errors.js';

/** An HTTP-level failure: its status and a one-line message, sent as `{ "error": message }`. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string): HttpError => new HttpError(404, `${what} not found`);
export const badRequest = (what: string): HttpError => new HttpError(400, what);

/** Status and one-line message of any error, never its stack. */
export function describeError(error: unknown): { status: number; message: string } {
  if (error instanceof HttpError) return { status: error.status, message: error.message };
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return { status: 404, message: 'not found' };
  if (isNeurolensError(error)) return { status: 500, message: error.message };
  const text = error instanceof Error ? error.message : String(error);
  return { status: 500, message: `internal error: ${text.split('\n')[0]}` };
}
