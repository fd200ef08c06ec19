/** Reading a recorded run in tests, through the one run reader (src/run). */
import { openRun } from '../../src/run/open.js';

/** The validated manifest of `run`. */
export async function runManifest(run: string) {
  return (await openRun(run, { activations: false, images: false })).manifest;
}

/** The images table of `run`, sorted by index. */
export async function runImages(run: string) {
  return [...(await openRun(run, { activations: false })).images];
}
