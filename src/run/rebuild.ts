/**
 * The `record` command that wrote a run, rebuilt from its manifest so that a message can offer it
 * as the fix: `record` on a finished run re-verifies every artefact and rebuilds a missing or
 * truncated one. Only options that change the run's identity are repeated (layers, poolings, top-k,
 * limit, input size); the rest (threads, batch, device) do not affect the files.
 */
import { basename, isAbsolute, join, relative } from 'node:path';
import { POOLINGS, type LayerRecord, type RunManifest } from '../record/types.js';
import { DEFAULT_TOP_K } from '../record/plan.js';

/** Quotes `arg` for a POSIX shell when it holds anything but plain path characters. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:,=@+%-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Where the images were read from, as an absolute path (the source may have been relative). */
function imagesSource(manifest: RunManifest): string {
  const { source, root } = manifest.images;
  if (isAbsolute(source)) return source;
  // `root` is the resolved folder, or the folder of a list file.
  return basename(root) === basename(source) ? root : join(root, basename(source));
}

/** A path as short as it can be shown from the current folder. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

/**
 * `npx neurolens record …` for the run in `out` (as the user named it); `layers` replaces the
 * recorded layers (to record again without some).
 */
export function recordCommand(manifest: RunManifest, out: string, layers: readonly LayerRecord[] = manifest.layers): string {
  const args = ['npx', 'neurolens', 'record', '--model', shown(manifest.model.path), '--images', shown(imagesSource(manifest))];
  args.push('--layers', layers.map((l) => l.id).join(','));
  if (POOLINGS.some((p) => !manifest.poolings.includes(p))) args.push('--pool', manifest.poolings.join(','));
  if (manifest.topK !== DEFAULT_TOP_K) args.push('--top-k', String(manifest.topK));
  const { listed, count, skipped } = manifest.images;
  if (count + skipped < listed) args.push('--limit', String(count + skipped));
  const dims = manifest.model.input.dims;
  if (dims.some((d, i) => i > 0 && typeof d !== 'number')) args.push('--size', `${manifest.preprocessing.height}x${manifest.preprocessing.width}`);
  args.push('--out', out);
  return args.map(shellQuote).join(' ');
}
