/**
 * Lists an image collection: a folder walked recursively, a list file (one path per line) or a
 * single image file. The result is deterministic so that a run over the same collection always
 * visits images in the same order (and a resumed run can line up with its journal).
 */
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { NeurolensError } from '../errors.js';
import { imageMessages } from '../messages/images.js';
import { IMAGE_EXTENSIONS } from './defaults.js';
import type { ImageEntry, ListImagesOptions } from './types.js';

/** At most this many `stat` calls in flight: enough to hide latency, bounded for huge lists. */
const STAT_CONCURRENCY = 64;

/**
 * Lists the images of `source`:
 * - a folder: walked recursively, keeping files whose extension is in `options.extensions`
 *   (default `IMAGE_EXTENSIONS`); names starting with `.` (files and folders) are skipped; symlinks
 *   to files and folders are followed, each folder entered once (so link loops end); a broken link
 *   with an image extension is listed with `missing` and `brokenLink`, so recording reports it as
 *   a skipped image (a broken link without one is not an image and is ignored). Sorted by `relPath` in plain UTF-16 code-unit order (never locale order).
 * - a list file: one path per line, relative to the list file's folder or absolute; lines that are
 *   blank or whose first non-space character is `#` are ignored; surrounding spaces are trimmed.
 *   The file's order is kept (duplicates too). A named file that does not exist is returned with
 *   `missing: true` instead of failing, so decoding reports it as a skipped image.
 * - a single file with an image extension: a one-image collection (convenient for quick looks).
 *
 * @throws NeurolensError('input') when the source (or a subfolder of it) is missing or unreadable, a folder holds no
 *   images, or a list file names none.
 */
export async function listImages(source: string, options: ListImagesOptions = {}): Promise<ImageEntry[]> {
  const extensions = new Set((options.extensions ?? IMAGE_EXTENSIONS).map((e) => e.toLowerCase().replace(/^\./, '')));
  const absolute = resolve(source);
  let info: Stats;
  try {
    info = await stat(absolute);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NeurolensError('input', imageMessages.sourceMissing(source));
    throw new NeurolensError('input', imageMessages.sourceUnreadable(source, code ?? String(error)), { cause: error });
  }
  if (info.isDirectory()) {
    const entries = await walkFolder(absolute, source, extensions);
    if (entries.length === 0) {
      throw new NeurolensError('input', imageMessages.noImagesInFolder(source, [...extensions].sort()));
    }
    return entries;
  }
  if (!info.isFile()) throw new NeurolensError('input', imageMessages.sourceNotFileOrFolder(source));
  if (hasImageExtension(absolute, extensions)) {
    return [{ path: absolute, relPath: posixRelative(dirname(absolute), absolute), bytes: info.size, mtimeMs: info.mtimeMs }];
  }
  return readListFile(absolute, source);
}

function hasImageExtension(name: string, extensions: ReadonlySet<string>): boolean {
  return extensions.has(extname(name).slice(1).toLowerCase());
}

function posixRelative(root: string, path: string): string {
  const rel = relative(root, path);
  return sep === '/' ? rel : rel.split(sep).join('/');
}

function errorCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Plain UTF-16 code-unit order, identical on every machine and locale. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Maps `items` through `fn` with at most `limit` calls in flight, keeping the input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function walkFolder(root: string, source: string, extensions: ReadonlySet<string>): Promise<ImageEntry[]> {
  const found: ImageEntry[] = [];
  // Folders already entered, by device and inode: a symlink back to an ancestor (or two links to
  // one folder) is entered once, so the walk always ends.
  const entered = new Set<string>();

  const visit = async (dir: string, dirInfo: Stats): Promise<void> => {
    const key = `${dirInfo.dev}:${dirInfo.ino}`;
    if (entered.has(key)) return;
    entered.add(key);
    let names: string[];
    try {
      names = (await readdir(dir)).filter((name) => !name.startsWith('.')).sort(byCodeUnits);
    } catch (error) {
      const shown = dir === root ? source : join(source, relative(root, dir));
      throw new NeurolensError('input', imageMessages.sourceUnreadable(shown, errorCode(error) ?? String(error)), { cause: error });
    }
    // stat (not lstat) follows symlinks; a dangling or looping link (ENOENT, ELOOP) fails it.
    const infos = await mapLimit(names, STAT_CONCURRENCY, (name) => stat(join(dir, name)).catch(() => undefined));
    const subfolders: [string, Stats][] = [];
    const broken: string[] = [];
    names.forEach((name, i) => {
      const info = infos[i];
      const path = join(dir, name);
      if (info === undefined) {
        if (hasImageExtension(name, extensions)) broken.push(path);
        return;
      }
      if (info.isDirectory()) subfolders.push([path, info]);
      else if (info.isFile() && hasImageExtension(name, extensions)) {
        found.push({ path, relPath: posixRelative(root, path), bytes: info.size, mtimeMs: info.mtimeMs });
      }
    });
    for (const path of broken) {
      // Only a symlink can fail stat right after readdir listed it (or a file deleted meanwhile).
      const link = await lstat(path).catch(() => undefined);
      if (link?.isSymbolicLink()) found.push({ path, relPath: posixRelative(root, path), bytes: 0, missing: true, brokenLink: true });
    }
    // One folder at a time keeps the number of open directory handles and pending stats bounded.
    for (const [path, info] of subfolders) await visit(path, info);
  };

  await visit(root, await stat(root));
  return found.sort((a, b) => byCodeUnits(a.relPath, b.relPath));
}

async function readListFile(listFile: string, source: string): Promise<ImageEntry[]> {
  let text: string;
  try {
    text = await readFile(listFile, 'utf8');
  } catch (error) {
    throw new NeurolensError('input', imageMessages.sourceUnreadable(source, errorCode(error) ?? String(error)), { cause: error });
  }
  // A NUL byte never occurs in a text list: this is an image in a format we do not list (say .bmp).
  if (text.includes('\0')) throw new NeurolensError('input', imageMessages.listNotText(source));
  const root = dirname(listFile);
  const paths = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => (isAbsolute(line) ? resolve(line) : resolve(root, line)));
  if (paths.length === 0) throw new NeurolensError('input', imageMessages.emptyList(source));
  return mapLimit(paths, STAT_CONCURRENCY, async (path): Promise<ImageEntry> => {
    const relPath = posixRelative(root, path);
    try {
      const info = await stat(path);
      return { path, relPath, bytes: info.size, mtimeMs: info.mtimeMs };
    } catch (error) {
      const code = errorCode(error);
      // Anything else (a permission problem) is left for decoding to report with its reason.
      return code === 'ENOENT' || code === 'ENOTDIR' ? { path, relPath, bytes: 0, missing: true } : { path, relPath, bytes: 0 };
    }
  });
}
