/**
 * A minimal RFC 4180 CSV reader — just what a captions file needs, so no dependency:
 * comma-separated fields; records end at CRLF, LF or a lone CR; a field wrapped in double quotes
 * may hold commas, quotes (written "") and line breaks; a quote inside an unquoted field is kept
 * as a literal character (lenient, as spreadsheets write it); text after a closing quote, or a
 * quote never closed, is an error naming the line. Fields are returned exactly as written (no
 * trimming); a trailing line break at the end of the file does not make an empty record.
 */
import { NeurolensError } from '../errors.js';
import { textMessages } from '../messages/text.js';

export interface CsvRecord {
  fields: string[];
  /** 1-based line on which the record starts. */
  line: number;
}

/** Number of line breaks (CRLF, LF or lone CR, each counting once) in text[from, to). */
function lineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) count++;
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) count++;
  }
  return count;
}

const COMMA = 44;
const LF = 10;
const CR = 13;

/** Parses `text` (BOM already removed); `file` only names the file in error messages. */
export function parseCsv(text: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  if (n === 0) return records;
  let fields: string[] = [];
  let line = 1;
  let recordLine = 1;
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === 34 /* " */) {
      const startLine = line;
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q === -1) throw new NeurolensError('input', textMessages.csvUnterminatedQuote(file, startLine));
        line += lineBreaks(text, from, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += text.slice(from, q + 1); // "" → one quote
          from = q + 2;
          continue;
        }
        value += text.slice(from, q);
        i = q + 1;
        break;
      }
      const c = text.charCodeAt(i);
      if (i < n && c !== COMMA && c !== LF && c !== CR) throw new NeurolensError('input', textMessages.csvBadQuote(file, line));
      fields.push(value);
    } else {
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === COMMA || c === LF || c === CR) break;
        j++;
      }
      fields.push(text.slice(i, j));
      i = j;
    }
    if (i >= n) {
      records.push({ fields, line: recordLine });
      return records;
    }
    if (text.charCodeAt(i) === COMMA) {
      i++;
      continue;
    }
    i += text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
    line++;
    records.push({ fields, line: recordLine });
    if (i >= n) return records;
    fields = [];
    recordLine = line;
  }
}
