/**
 * Curve arithmetic: the normalisation rule, the trapezoid area, and the rounding that keeps
 * eval.json stable (6 significant digits).
 */
import type { ScoreQuantity } from '../types.js';
import type { Curve, CurveArea, Normalisation } from './types.js';

/** Relative size below which clean − end counts as zero (the 'range' rule would divide by ~0). */
const DEGENERATE = 1e-6;

/**
 * How a curve family's raw target values become y values:
 *  - 'ratio' y = raw / clean, for probabilities and activations whose clean value is > 0 (both have
 *    a meaningful zero, so the ratio is the fraction of the clean value left);
 *  - 'range' y = (raw − end) / (clean − end), otherwise (logits have no meaningful zero: softmax is
 *    shift-invariant, and a ratio flips sign when clean ≤ 0). `end` is the target's value when every
 *    unit is replaced by the curve's baseline, so y = 1 on the clean image and 0 on the baseline;
 *  - 'shift' y = raw − end, when |clean − end| ≤ 1e-6·max(1, |clean|, |end|) (the range is empty).
 */
export function normalisation(quantity: ScoreQuantity | 'activation', clean: number, end: number): Normalisation {
  if ((quantity === 'probability' || quantity === 'activation') && clean > 0) return { rule: 'ratio', offset: 0, scale: clean };
  const span = clean - end;
  if (Math.abs(span) <= DEGENERATE * Math.max(1, Math.abs(clean), Math.abs(end))) return { rule: 'shift', offset: end, scale: 1 };
  return { rule: 'range', offset: end, scale: span };
}

/** Applies a normalisation to raw values. */
export function normalise(raw: ArrayLike<number>, n: Normalisation): number[] {
  return Array.from(raw, (v) => (v - n.offset) / n.scale);
}

/** Trapezoid area of y over x = k/S, k = 0…S (S = y.length − 1), i.e. over x ∈ [0, 1]. */
export function trapezoid(y: ArrayLike<number>): number {
  const steps = y.length - 1;
  if (steps < 1) throw new RangeError('a curve needs at least 2 points');
  let sum = 0;
  for (let k = 0; k < steps; k++) sum += (y[k]! + y[k + 1]!) / 2;
  return sum / steps;
}

/** A curve from its raw values: x = k/S, y normalised. */
export function makeCurve(raw: ArrayLike<number>, n: Normalisation): Curve {
  const steps = raw.length - 1;
  return { x: Array.from({ length: steps + 1 }, (_, k) => k / steps), y: normalise(raw, n), raw: Array.from(raw) };
}

export function curveArea(curve: Curve): CurveArea {
  return { auc: trapezoid(curve.y), rawAuc: trapezoid(curve.raw) };
}

/** 6 significant digits (and no negative zero), so the JSON text does not depend on float noise in the last bits. */
export function round6(value: number): number {
  if (!Number.isFinite(value)) return value;
  const r = Number(value.toPrecision(6));
  return r === 0 ? 0 : r;
}

export function roundAll(values: readonly number[]): number[] {
  return values.map(round6);
}

/** A curve with every number rounded for output. */
export function roundCurve(curve: Curve): Curve {
  return { x: roundAll(curve.x), y: roundAll(curve.y), raw: roundAll(curve.raw) };
}
