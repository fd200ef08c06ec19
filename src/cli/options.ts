/** Parsers for option values; each rejects bad input with a one-line usage error. */
import { NeurolensError } from '../errors.js';
import { cliMessages } from '../messages/index.js';

export function positiveInteger(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) {
      throw new NeurolensError('usage', cliMessages.badInteger(option, value));
    }
    return n;
  };
}

/** '224' → [224, 224]; '224x192' (height × width) → [224, 192]. */
export function imageSize(value: string): [number, number] {
  const match = /^(\d+)(?:[x×](\d+))?$/.exec(value.trim());
  if (!match) throw new NeurolensError('usage', cliMessages.badSize(value));
  const height = Number(match[1]);
  const width = Number(match[2] ?? match[1]);
  if (height <= 0 || width <= 0) throw new NeurolensError('usage', cliMessages.badSize(value));
  return [height, width];
}

export function commaList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}
