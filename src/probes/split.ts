/**
 * Which rows a probe fits, stops on and is judged by: the seeded stratified train / validation /
 * test split, the shuffled-label control, and the input checks every probe runs first (shapes,
 * labels, split indices) so that user mistakes surface as one-line NeurolensErrors.
 */
import { NeurolensError } from '../errors.js';
import { probeMessages } from '../messages/index.js';
import { Random } from '../util/random.js';
import type { Matrix, Split, SplitOptions } from './types.js';

function share(option: string, value: number): number {
  if (!(value >= 0 && value < 1)) throw new NeurolensError('usage', probeMessages.badOption(option, value, 'a number in [0, 1)'));
  return value;
}

/**
 * Stratified split: each class's rows are shuffled (one seeded generator, classes in ascending
 * order) and cut into test, validation and train parts of round(share × count) rows.
 *
 * Small classes: a class with ≥ 2 rows always keeps ≥ 1 row in train and — when `test` > 0 —
 * ≥ 1 in test (so AUC is defined on test for every such class); its validation part may be empty.
 * A class with a single row puts it in train. Shares are rounded per class, so part sizes can
 * differ from the exact shares by up to one row per class.
 *
 * @param labels class of each image (0/1 for one binary concept; any integers for several classes)
 */
export function stratifiedSplit(labels: Int32Array | Uint8Array, options: SplitOptions = {}): Split {
  const testShare = share('test', options.test ?? 0.2);
  const validationShare = share('validation', options.validation ?? 0.1);
  const seed = options.seed ?? 0;
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    let rows = byClass.get(c);
    if (!rows) byClass.set(c, (rows = []));
    rows.push(i);
  }
  const rng = new Random(seed);
  const train: number[] = [];
  const validation: number[] = [];
  const test: number[] = [];
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = rng.shuffle(byClass.get(c)!);
    const n = rows.length;
    let nTest = Math.round(n * testShare);
    if (n >= 2 && testShare > 0) nTest = Math.min(Math.max(nTest, 1), n - 1);
    if (n < 2) nTest = 0;
    const rest = n - nTest;
    const nValidation = Math.min(Math.round(rest * validationShare), Math.max(rest - 1, 0));
    for (let k = 0; k < n; k++) (k < nTest ? test : k < nTest + nValidation ? validation : train).push(rows[k]!);
  }
  const sorted = (rows: number[]) => Int32Array.from(rows).sort();
  return { train: sorted(train), validation: sorted(validation), test: sorted(test) };
}

/**
 * The shuffled-label control: a copy of `labels` whose train and validation entries are permuted
 * among themselves (seeded Fisher–Yates); test labels are untouched. A probe trained on it should
 * score chance on test — anything above says the probe memorises rather than reads the concept.
 */
export function shuffleLabels<T extends Uint8Array | Int32Array>(labels: T, split: Split, seed = 0): T {
  const out = labels.slice() as T;
  const rows = Int32Array.from([...split.train, ...split.validation]).sort();
  const rng = new Random(seed);
  for (let i = rows.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const a = rows[i]!;
    const b = rows[j]!;
    const t = out[a]!;
    out[a] = out[b]!;
    out[b] = t;
  }
  return out;
}

/** Throws unless X's data length matches rows × cols. */
export function checkMatrix(X: Matrix): void {
  if (X.data.length !== X.rows * X.cols || X.rows <= 0 || X.cols <= 0) {
    throw new NeurolensError('input', probeMessages.matrixShape(X.data.length, X.rows, X.cols));
  }
}

/** Throws unless `y` has one 0/1 entry per image. */
export function checkBinary(y: Uint8Array, rows: number, what = 'labels'): void {
  if (y.length !== rows) throw new NeurolensError('input', probeMessages.labelCount(what, y.length, rows));
  for (let i = 0; i < y.length; i++) {
    if (y[i]! > 1) throw new NeurolensError('input', probeMessages.notBinary(what, i, y[i]!));
  }
}

/** Throws unless every split index is a row of X and train is non-empty. */
export function checkSplit(split: Split, rows: number): void {
  for (const part of ['train', 'validation', 'test'] as const) {
    for (const r of split[part]) {
      if (!(r >= 0 && r < rows)) throw new NeurolensError('input', probeMessages.splitIndex(part, r, rows));
    }
  }
  if (split.train.length === 0) throw new NeurolensError('input', probeMessages.emptyTrain());
}

/** Throws unless `value` is a finite number ≥ `min` (integers only when `integer`). */
export function checkNumber(option: string, value: number, min: number, integer = false): number {
  if (!(Number.isFinite(value) && value >= min) || (integer && !Number.isInteger(value))) {
    throw new NeurolensError('usage', probeMessages.badOption(option, value, `${integer ? 'an integer' : 'a number'} ≥ ${min}`));
  }
  return value;
}
