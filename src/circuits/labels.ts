/**
 * True classes for `circuits eval --labels`: a CSV (path,label) or JSONL ({"path","label"}) file
 * mapped onto the run's images.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import { NeurolensError } from '../errors.js';
import { circuitMessages } from '../messages/circuits.js';
import type { RunImageRow } from '../record/read-run.js';

/** One CSV line's fields (double quotes allow commas; "" is a quote). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') fields.push(field), (field = '');
    else field += ch;
  }
  fields.push(field);
  return fields.map((f) => f.trim());
}

/**
 * True classes from a labels file: JSONL lines {"path", "label"} or CSV lines `path,label` (an
 * optional `path,label` header). Paths are relative to the run's image root (absolute paths are
 * made relative to it); a label is a class index or a class name from the model card.
 * Returns image index → class.
 */
export async function readLabels(file: string, images: readonly RunImageRow[], classNames: readonly string[] | undefined, root = ''): Promise<Map<number, number>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new NeurolensError('input', circuitMessages.labelsUnreadable(file, (error as NodeJS.ErrnoException).code ?? String(error)));
  }
  const byPath = new Map(images.map((r) => [r.path.split('\\').join('/'), Number(r.index)]));
  const names = new Map((classNames ?? []).map((n, i) => [n, i]));
  const out = new Map<number, number>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let path: string;
    let label: string;
    if (line.startsWith('{')) {
      let row: { path?: unknown; label?: unknown };
      try {
        row = JSON.parse(line) as typeof row;
      } catch {
        throw new NeurolensError('input', circuitMessages.labelsLine(file, i + 1, 'not valid JSON'));
      }
      path = String(row.path ?? '');
      label = String(row.label ?? '');
    } else {
      const fields = csvFields(line);
      if (i === 0 && fields[0]?.toLowerCase() === 'path' && fields[1]?.toLowerCase() === 'label') return;
      [path = '', label = ''] = fields;
    }
    if (path === '' || label === '') throw new NeurolensError('input', circuitMessages.labelsLine(file, i + 1, 'needs a path and a label'));
    const rel = (isAbsolute(path) && root ? relative(root, path) : path).split('\\').join('/');
    const index = byPath.get(rel);
    if (index === undefined) return; // an image the run does not hold: nothing to compare
    const cls = /^\d+$/.test(label) ? Number(label) : names.get(label);
    if (cls === undefined || (classNames && cls >= classNames.length)) throw new NeurolensError('input', circuitMessages.labelsLine(file, i + 1, `unknown class ${JSON.stringify(label)}`));
    out.set(index, cls);
  });
  return out;
}
