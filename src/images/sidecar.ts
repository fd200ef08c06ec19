/**
 * The model card sidecar: `path/to/foo.onnx` may have a `path/to/foo.json` next to it describing
 * how the model expects its images (see `ModelCard`). It is optional; its absence is not an error.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { NeurolensError } from '../errors.js';
import { imageMessages } from '../messages/images.js';
import {
  cardSource,
  checkCropFraction,
  checkInterpolation,
  checkLayout,
  checkResize,
  checkRgb,
  checkSize,
  checkStats,
  checkString,
  checkStrings,
  type FieldSource,
} from './fields.js';
import type { ModelCard } from './types.js';

/** The card fields neurolens interprets (every other field is kept verbatim). */
type KnownField =
  | 'name' | 'inputSize' | 'mean' | 'std' | 'classNames' | 'resize' | 'cropFraction' | 'interpolation' | 'layout'
  | 'background';

/** The sidecar path of a model: its `.onnx` extension replaced by `.json` (appended if it has none). */
export function modelCardPath(modelPath: string): string {
  const ext = extname(modelPath);
  const stem = ext.toLowerCase() === '.onnx' ? basename(modelPath, ext) : basename(modelPath);
  return join(dirname(modelPath), `${stem}.json`);
}

/**
 * Reads the model card next to `modelPath`, or returns undefined when there is none.
 * @throws NeurolensError('input') naming the file (and the field) when it is unreadable, not JSON,
 *   or a known field has the wrong type or range.
 */
export async function loadModelCard(modelPath: string): Promise<ModelCard | undefined> {
  const file = modelCardPath(modelPath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new NeurolensError('input', imageMessages.cardUnreadable(file, code ?? String(error)), { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    throw new NeurolensError('input', imageMessages.cardInvalidJson(file, reason), { cause: error });
  }
  return parseModelCard(json, file);
}

/**
 * Checks a parsed card (`file` only names it in messages) and returns it with known fields
 * normalised (`inputSize` stays as written); unknown fields are kept untouched.
 */
export function parseModelCard(json: unknown, file: string): ModelCard {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new NeurolensError('input', imageMessages.cardNotObject(file));
  }
  const source = cardSource(file);
  const raw = json as Record<string, unknown>;
  const card: Record<string, unknown> = { ...raw };
  const known: Record<KnownField, (value: unknown, source: FieldSource, field: string) => unknown> = {
    name: checkString,
    inputSize: (value, src, field) => {
      const [height, width] = checkSize(value, src, field);
      return typeof value === 'number' ? value : [height, width];
    },
    mean: (value, src, field) => checkStats(value, src, field, false),
    std: (value, src, field) => checkStats(value, src, field, true),
    classNames: checkStrings,
    resize: checkResize,
    cropFraction: checkCropFraction,
    interpolation: checkInterpolation,
    layout: checkLayout,
    background: checkRgb,
  };
  for (const [field, check] of Object.entries(known)) {
    // null counts as absent, so a card can switch a field off without deleting the line.
    if (raw[field] === undefined || raw[field] === null) delete card[field];
    else card[field] = check(raw[field], source, field);
  }
  return card as ModelCard;
}
