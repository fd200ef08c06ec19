/**
 * The labelled image set of `neurolens edit --eval`: CSV with a header naming `path` and `label`
 * columns (RFC 4180, other columns ignored) or JSONL lines `{"path": …, "label": …}`; the format
 * is chosen by extension (.csv; .jsonl/.ndjson/.json), else by the first character. A label is a
 * class index or a class name from the model card. Relative paths are resolved against
 * `imagesRoot`, else the labels file's folder. Rows keep file order; a path listed twice is
 * evaluated twice.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { NeurolensError } from '../errors.js';
import { editMessages } from '../messages/index.js';
import { detectCaptionsFormat } from '../text/captions-file.js';
import { parseCsv } from '../text/csv.js';

/** One labelled image. */
export interface LabelRow {
  /** Path as the file writes it (used in reports). */
  path: string;
  /** Absolute path to decode. */
  file: string;
  /** True class index. */
  label: number;
  /** 1-based line of the row in the labels file. */
  line: number;
}

/** What labels are checked against. */
export interface LabelClasses {
  /** Number of model outputs (classes), when known. */
  numClasses: number | null;
  /** Class names from the model card, when it has them. */
  classNames?: readonly string[];
}

/** Reads and checks a labels file; see the module comment for the formats. */
export async function readEditLabels(file: string, classes: LabelClasses, imagesRoot?: string): Promise<LabelRow[]> {
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NeurolensError('input', editMessages.labelsMissing(file), { cause: error });
    throw new NeurolensError('input', editMessages.labelsUnreadable(file, code ?? String(error)), { cause: error });
  }
  const raw = detectCaptionsFormat(file, text) === 'jsonl' ? jsonlRows(text, file) : csvRows(text, file);
  if (raw.length === 0) throw new NeurolensError('input', editMessages.labelsEmpty(file));
  const root = resolve(imagesRoot ?? dirname(resolve(file)));
  const names = new Map<string, number>();
  (classes.classNames ?? []).forEach((name, i) => names.has(name) || names.set(name, i));
  return raw.map(({ path, label, line }) => {
    if (path === '' || label === '') throw new NeurolensError('input', editMessages.labelsLine(file, line, 'needs a path and a label'));
    const index = /^\d+$/.test(label) ? Number(label) : names.get(label);
    const limit = classes.numClasses ?? classes.classNames?.length;
    if (index === undefined || (limit !== undefined && index >= limit)) {
      throw new NeurolensError('input', editMessages.unknownClass(file, line, label, limit ?? null, names.size > 0));
    }
    return { path, file: isAbsolute(path) ? path : resolve(root, path), label: index, line };
  });
}

interface RawRow {
  path: string;
  label: string;
  line: number;
}

function csvRows(text: string, file: string): RawRow[] {
  const records = parseCsv(text, file).filter((r) => r.fields.some((f) => f.trim() !== ''));
  const header = records[0]?.fields.map((f) => f.trim().toLowerCase()) ?? [];
  const pathAt = header.indexOf('path');
  const labelAt = header.indexOf('label');
  if (pathAt < 0 || labelAt < 0) throw new NeurolensError('input', editMessages.labelsHeader(file));
  return records.slice(1).map((r) => ({ path: (r.fields[pathAt] ?? '').trim(), label: (r.fields[labelAt] ?? '').trim(), line: r.line }));
}

function jsonlRows(text: string, file: string): RawRow[] {
  const rows: RawRow[] = [];
  text.split(/\r\n|\n|\r/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new NeurolensError('input', editMessages.labelsLine(file, i + 1, 'not valid JSON'));
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new NeurolensError('input', editMessages.labelsLine(file, i + 1, 'not a JSON object'));
    }
    const { path, label } = value as { path?: unknown; label?: unknown };
    const text = (v: unknown) => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');
    rows.push({ path: text(path), label: text(label), line: i + 1 });
  });
  return rows;
}
