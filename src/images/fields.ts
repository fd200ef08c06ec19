/**
 * Checks for the preprocessing fields, shared by the model card loader (which names the .json file)
 * and `resolvePreprocessing` (which names the command-line option). Each returns the typed value
 * or throws a one-line NeurolensError naming where the value came from and what it must be.
 */
import { NeurolensError, type ErrorKind } from '../errors.js';
import { imageMessages } from '../messages/images.js';
import type { Interpolation, Layout, ResizeMode, Rgb } from './types.js';

/** Where a value came from: the text that prefixes messages, the error kind, how fields are named. */
export interface FieldSource {
  /** e.g. `/models/foo.json` or `command line`. */
  readonly where: string;
  /** `'input'` for a file the user wrote, `'usage'` for a command-line option. */
  readonly kind: ErrorKind;
  /** How a field is named in messages: `"cropFraction"` in a card, `--crop-fraction` on the CLI. */
  readonly name: (field: string) => string;
}

/** Fields of a model card file. */
export function cardSource(file: string): FieldSource {
  return { where: file, kind: 'input', name: (field) => `"${field}"` };
}

/** Fields given as overrides, named by the CLI option that sets them. */
export const overrideSource: FieldSource = {
  where: 'command line',
  kind: 'usage',
  name: (field) => `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
};

function fail(source: FieldSource, field: string, expected: string, got: unknown): never {
  throw new NeurolensError(source.kind, imageMessages.badField(source.where, source.name(field), expected, got));
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** `[H, W]` or one number for square; each a positive integer. Returns `[height, width]`. */
export function checkSize(value: unknown, source: FieldSource, field: string): readonly [number, number] {
  if (isPositiveInteger(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every(isPositiveInteger)) {
    return [value[0] as number, value[1] as number];
  }
  return fail(source, field, 'a positive integer or [height, width] of positive integers', value);
}

/** A non-empty list of finite numbers; with `positive`, each must be > 0 (a std). */
export function checkStats(value: unknown, source: FieldSource, field: string, positive: boolean): readonly number[] {
  const ok = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && (!positive || v > 0);
  if (Array.isArray(value) && (value.length === 1 || value.length === 3) && value.every(ok)) return [...(value as number[])];
  return fail(source, field, `1 or 3 ${positive ? 'numbers > 0' : 'finite numbers'} (0..1 units)`, value);
}

/** A number in (0, 1]. */
export function checkCropFraction(value: unknown, source: FieldSource, field: string): number {
  if (typeof value === 'number' && value > 0 && value <= 1) return value;
  return fail(source, field, 'a number in (0, 1]', value);
}

/** An [r, g, b] triple of integers 0..255. */
export function checkRgb(value: unknown, source: FieldSource, field: string): Rgb {
  const ok = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255;
  if (Array.isArray(value) && value.length === 3 && value.every(ok)) return [value[0], value[1], value[2]] as Rgb;
  return fail(source, field, '[r, g, b] with integers 0..255', value);
}

function checkChoice<T extends string>(choices: readonly T[]) {
  return (value: unknown, source: FieldSource, field: string): T => {
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
    return fail(source, field, `one of ${choices.map((c) => `"${c}"`).join(', ')}`, value);
  };
}

export const RESIZE_MODES: readonly ResizeMode[] = ['shorter-crop', 'stretch'];
export const INTERPOLATIONS: readonly Interpolation[] = ['nearest', 'linear', 'cubic', 'lanczos3'];
export const LAYOUTS: readonly Layout[] = ['NCHW', 'NHWC'];

export const checkResize = checkChoice(RESIZE_MODES);
export const checkInterpolation = checkChoice(INTERPOLATIONS);
export const checkLayout = checkChoice(LAYOUTS);

/** A positive integer pixel count. */
export function checkMaxPixels(value: unknown, source: FieldSource, field: string): number {
  if (isPositiveInteger(value)) return value;
  return fail(source, field, 'a positive integer', value);
}

/** Any string. */
export function checkString(value: unknown, source: FieldSource, field: string): string {
  if (typeof value === 'string') return value;
  return fail(source, field, 'a string', value);
}

/** A list of strings. */
export function checkStrings(value: unknown, source: FieldSource, field: string): readonly string[] {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return [...(value as string[])];
  return fail(source, field, 'a list of strings', value);
}
