/**
 * Turns file-system and sharp/libvips failures into the short reasons a user reads next to a
 * skipped image. libvips messages can span several lines (one per loader tried); only the first
 * meaningful line is kept so the recorded reason stays one line.
 */
import { extname } from 'node:path';
import { imageMessages } from '../messages/images.js';

/** Reason for a failure to read the file itself. */
export function readFailureReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return imageMessages.reasonMissing();
    case 'EISDIR':
      return imageMessages.reasonIsFolder();
    case 'EACCES':
    case 'EPERM':
      return imageMessages.reasonNoPermission();
    default:
      return imageMessages.reasonUnreadable(code ?? firstLine(error));
  }
}

/** Reason for a failure inside sharp (header parse or decode). */
export function decodeFailureReason(error: unknown, file: string, maxPixels: number, pixelLimitAdvice?: string): string {
  const lines = messageLines(error);
  const detail = headline(lines);
  if (/pixel limit/i.test(detail)) return imageMessages.reasonPixelLimit(maxPixels, undefined, undefined, pixelLimitAdvice);
  if (/Buffer is empty/i.test(detail)) return imageMessages.reasonEmpty();
  if (/unsupported image format/i.test(detail)) return imageMessages.reasonNotImage();
  const ext = extname(file).toLowerCase();
  // libheif puts its own explanation last, after libvips' generic lines.
  if (ext === '.heic' || ext === '.heif') return imageMessages.reasonHeic(clip(lines[lines.length - 1] ?? detail));
  if (/premature end|truncated|unexpected end/i.test(detail)) return imageMessages.reasonTruncated(detail);
  return imageMessages.reasonCorrupt(detail);
}

function messageLines(error: unknown): string[] {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

/** The first line, joined with the second when the first only introduces it ("…header:"). */
function headline(lines: readonly string[]): string {
  const [first = 'unknown error', second] = lines;
  if (!first.endsWith(':')) return clip(first);
  return clip(second === undefined ? first.slice(0, -1) : `${first} ${second}`);
}

function firstLine(error: unknown): string {
  return headline(messageLines(error));
}

function clip(line: string): string {
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}
