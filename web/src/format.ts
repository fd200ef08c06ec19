// Number formatting shared by the pages.
export function fmt(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return value.toExponential(2);
  return value.toFixed(digits);
}

export function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${(100 * value).toFixed(1)} %`;
}

/**
 * A score in [0, 1] (AUC, accuracy, correlation, curve area) always as a fixed 3-decimal fraction,
 * so the same quantity never reads 0.221 in one place and 22.1 % in another (fmt prints 1, not 1.000).
 */
export function score(value: number | null | undefined): string {
  return value === null || value === undefined || Number.isNaN(value) ? '—' : value.toFixed(3);
}

/** A score with its interval: `0.950 [0.900, 0.990]`. */
export function scoreCi(value: number | null | undefined, ci: readonly [number, number] | null | undefined): string {
  return ci ? `${score(value)} [${score(ci[0])}, ${score(ci[1])}]` : score(value);
}

/** Mean ± sd of a score. */
export function scoreSd(stat: { mean: number; std: number | null } | null | undefined): string {
  return stat ? `${score(stat.mean)}${stat.std !== null ? ` ± ${score(stat.std)}` : ''}` : '—';
}

/** The d3 format string vega-lite axes and tooltips use for scores (the same 3 decimals). */
export const SCORE_FORMAT = '.3f';
