/**
 * The one error type the library throws for problems a user can fix (bad input, missing file,
 * unsupported model). The CLI prints `message` as a single line and exits with `exitCode`;
 * anything else thrown is a bug and is reported with its stack only under `--debug`.
 */
export type ErrorKind =
  | 'usage' // bad command-line argument or option value
  | 'input' // a file the user named is missing, unreadable or malformed
  | 'model' // the ONNX model cannot be used as asked
  | 'runtime' // onnxruntime refused or failed
  | 'conflict' // an output folder holds a different run
  | 'io'; // the file system failed (full disk, permissions)

export class NeurolensError extends Error {
  override readonly name = 'NeurolensError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Exit code for the CLI: 2 for usage errors (as POSIX tools do), 1 otherwise. */
  get exitCode(): number {
    return this.kind === 'usage' ? 2 : 1;
  }
}

export function isNeurolensError(error: unknown): error is NeurolensError {
  return error instanceof NeurolensError;
}
