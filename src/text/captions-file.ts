/**
 * Captions from a file (`--captions FILE`), aligned with a run's images.
 *
 * Formats (chosen by extension: .jsonl/.ndjson/.json → JSONL, .csv → CSV; otherwise a file whose
 * first non-blank character is `{` is JSONL, anything else CSV):
 * - JSONL: one object per line with string fields `path` and `caption` (other fields ignored);
 *   blank lines skipped.
 * - CSV (RFC 4180, see ./csv.ts): a header row naming a `path` and a `caption` column (matched
 *   case-insensitively, surrounding spaces ignored; other columns ignored); blank lines skipped.
 * Both: UTF-8, an optional byte-order mark, LF or CRLF line ends.
 *
 * `path` is relative to the recorded image root, exactly as images.parquet's `path`. It is
 * matched after trimming spaces, turning `\` into `/`, dropping leading `./`, and Unicode NFC
 * normalisation on both sides (macOS stores names decomposed). A caption is trimmed and its
 * whitespace runs (line breaks included) become single spaces; an empty caption counts as none.
 *
 * One caption per image: a path repeated with the same caption is fine (the repeat is counted);
 * with a different caption it is an error, unless `onDuplicate: 'first'`, which keeps the first
 * caption in file order (useful for data sets such as COCO that give several per image).
 * Paths not in the run are returned as a warning, never fatal. Run images without a caption are
 * an error naming how many and the first few, unless `allowMissing`, which leaves them out and
 * reports which images were kept.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { NeurolensError } from '../errors.js';
import { textMessages } from '../messages/text.js';
import { parseCsv } from './csv.js';

export type CaptionsFormat = 'jsonl' | 'csv';

export interface LoadCaptionsOptions {
  /** Leave out run images that have no caption instead of failing. Default false. */
  allowMissing?: boolean;
  /** A path given two different captions: `'error'` (default) or keep the `'first'`. */
  onDuplicate?: 'error' | 'first';
  /** Force the file format instead of choosing it by extension / content. */
  format?: CaptionsFormat;
}

export interface LoadedCaptions {
  format: CaptionsFormat;
  /** One caption per kept image, in run order. */
  captions: string[];
  /** Positions in `runImages` of the captioned images, ascending (all of them unless allowMissing). */
  kept: number[];
  /** Run paths left out for lack of a caption (empty unless allowMissing). */
  missing: string[];
  /** Paths in the file that are not in the run (ignored), in file order. */
  unknown: string[];
  /** Repeated records for an already-captioned path that were ignored. */
  duplicates: number;
  /** Records with an empty caption that were ignored. */
  blank: number;
  /** One-line warnings for the CLI to show (unknown paths, dropped images, repeats, blanks). */
  warnings: string[];
}

interface Entry {
  path: string;
  caption: string;
  line: number;
}

/** The key a path is matched by (see the module comment). */
export function captionPathKey(path: string): string {
  let p = path.trim().replace(/\\/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  return p.normalize('NFC');
}

/** A caption as stored: trimmed, whitespace runs collapsed to one space. */
export function cleanCaption(caption: string): string {
  return caption.replace(/\s+/gu, ' ').trim();
}

export function detectCaptionsFormat(file: string, text: string): CaptionsFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  if (ext === '.csv') return 'csv';
  return text.trimStart().startsWith('{') ? 'jsonl' : 'csv';
}

async function readText(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NeurolensError('input', textMessages.captionsMissingFile(file), { cause: err });
    throw new NeurolensError('input', textMessages.captionsUnreadable(file, code ?? String(err)), { cause: err });
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function parseJsonl(text: string, file: string): Entry[] {
  const entries: Entry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw); // JSON whitespace includes the \r of CRLF
    } catch (err) {
      throw new NeurolensError('input', textMessages.captionsBadJsonLine(file, i + 1), { cause: err });
    }
    const record = value as { path?: unknown; caption?: unknown } | null;
    if (typeof record !== 'object' || record === null || Array.isArray(record) ||
        typeof record.path !== 'string' || typeof record.caption !== 'string') {
      throw new NeurolensError('input', textMessages.captionsBadJsonRecord(file, i + 1));
    }
    entries.push({ path: record.path, caption: record.caption, line: i + 1 });
  }
  return entries;
}

function parseCsvEntries(text: string, file: string): Entry[] {
  const records = parseCsv(text, file).filter((r) => !(r.fields.length === 1 && r.fields[0]!.trim() === ''));
  if (records.length === 0) return [];
  const header = records[0]!.fields.map((f) => f.trim().toLowerCase());
  const pathCol = header.indexOf('path');
  const captionCol = header.indexOf('caption');
  const absent = [pathCol === -1 ? 'path' : '', captionCol === -1 ? 'caption' : ''].filter(Boolean);
  if (absent.length > 0) throw new NeurolensError('input', textMessages.csvMissingColumns(file, absent));
  const needed = Math.max(pathCol, captionCol) + 1;
  return records.slice(1).map(({ fields, line }) => {
    if (fields.length < needed) throw new NeurolensError('input', textMessages.csvShortRow(file, line, needed, fields.length));
    return { path: fields[pathCol]!, caption: fields[captionCol]!, line };
  });
}

/** Reads a captions file and aligns it with `runImages` (see the module comment). */
export async function loadCaptions(
  file: string,
  runImages: readonly { path: string }[],
  options: LoadCaptionsOptions = {},
): Promise<LoadedCaptions> {
  const text = await readText(file);
  const format = options.format ?? detectCaptionsFormat(file, text);
  const entries = format === 'jsonl' ? parseJsonl(text, file) : parseCsvEntries(text, file);
  if (entries.length === 0) throw new NeurolensError('input', textMessages.captionsEmpty(file));

  const byPath = new Map<string, { caption: string; line: number }>();
  let duplicates = 0;
  let blank = 0;
  for (const entry of entries) {
    const caption = cleanCaption(entry.caption);
    if (caption === '') {
      blank++;
      continue;
    }
    const key = captionPathKey(entry.path);
    const first = byPath.get(key);
    if (first === undefined) {
      byPath.set(key, { caption, line: entry.line });
      continue;
    }
    if (first.caption !== caption && options.onDuplicate !== 'first') {
      throw new NeurolensError('input', textMessages.captionsConflict(file, key, first.line, entry.line));
    }
    duplicates++;
  }

  const runKeys = new Set<string>();
  const captions: string[] = [];
  const kept: number[] = [];
  const missing: string[] = [];
  runImages.forEach((image, index) => {
    const key = captionPathKey(image.path);
    runKeys.add(key);
    const found = byPath.get(key);
    if (found === undefined) missing.push(image.path);
    else {
      captions.push(found.caption);
      kept.push(index);
    }
  });
  if (missing.length > 0 && !options.allowMissing) {
    throw new NeurolensError('input', textMessages.captionsMissing(file, missing, runImages.length));
  }
  if (kept.length === 0 && runImages.length > 0) throw new NeurolensError('input', textMessages.noCaptionsKept(file));
  const unknown = [...byPath.keys()].filter((key) => !runKeys.has(key));

  const warnings: string[] = [];
  if (unknown.length > 0) warnings.push(textMessages.captionsUnknown(file, unknown));
  if (missing.length > 0) warnings.push(textMessages.captionsDropped(file, missing.length));
  if (duplicates > 0) warnings.push(textMessages.captionsDuplicates(file, duplicates));
  if (blank > 0) warnings.push(textMessages.captionsBlank(file, blank));
  return { format, captions, kept, missing, unknown, duplicates, blank, warnings };
}
