/**
 * Reading an image a run recorded, for captioners: the bytes, after checking they still hash to the
 * sha256 in images.parquet (a changed file would give the caption to the wrong image).
 */
import { readFile } from 'node:fs/promises';
import { NeurolensError } from '../errors.js';
import { llmMessages } from '../messages/index.js';
import { sha256 } from '../store/hash.js';
import { wrapFsError } from '../store/fs-errors.js';

export async function readRecordedImage(image: { absolutePath: string; sha256: string }): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(image.absolutePath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NeurolensError('input', llmMessages.imageMissing(image.absolutePath), { cause: err });
    throw wrapFsError(err, image.absolutePath);
  }
  if (sha256(bytes) !== image.sha256.toLowerCase()) throw new NeurolensError('input', llmMessages.imageChanged(image.absolutePath));
  return bytes;
}
