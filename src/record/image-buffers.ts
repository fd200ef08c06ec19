/**
 * Reused image tensors for the decode-ahead pipeline. Each decoded image needs a
 * channels × height × width float array only until it is copied into its batch; allocating a
 * fresh one per image costs page faults and garbage collection on the main thread, which shares
 * the cores with inference. The pool never holds more arrays than were in use at once.
 */

/** Bytes of decoded images the recorder keeps ahead of inference (see decodeWindow). */
export const DECODE_AHEAD_BYTES = 64 * 1024 * 1024;

export class ImageBuffers {
  private readonly free: Float32Array[] = [];

  /** @param floats the length of every array handed out */
  constructor(readonly floats: number) {}

  /** A free array (contents undefined: the decoder overwrites all of it), or a new one. */
  take(): Float32Array {
    return this.free.pop() ?? new Float32Array(this.floats);
  }

  /** Returns an array handed out by take() once nothing reads it any more. */
  give(array: Float32Array): void {
    if (array.length === this.floats) this.free.push(array);
  }
}

/**
 * How many images to decode ahead: enough that the cores left idle while the session is created
 * (and by the last batch of a chunk) decode images now rather than later, beside inference, but no
 * more than DECODE_AHEAD_BYTES of tensors; never fewer than a batch plus one image per decoder.
 */
export function decodeWindow(imageFloats: number, batch: number, decoders: number): number {
  const byMemory = Math.floor(DECODE_AHEAD_BYTES / (imageFloats * Float32Array.BYTES_PER_ELEMENT));
  return Math.max(batch + decoders, Math.min(byMemory, 8 * batch));
}
