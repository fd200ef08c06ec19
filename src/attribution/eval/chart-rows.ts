/**
 * What the curve charts plot, free of Node imports so the explorer draws the same lines: per
 * method, the mean normalised curves of its maps (solid), of the scattered random maps (dashed) and
 * of the smoothness-matched random maps (dotted), with the subtitle saying which is which.
 */
import { gridsText } from './checks.js';
import { round6 } from './curves.js';
import type { CurveKind, MethodAggregate } from './types.js';

/** The curves' names in the charts (the colour legend). */
export const CURVE_LABELS: Record<CurveKind, string> = { morf: 'MoRF', lerf: 'LeRF', deletion: 'deletion', insertion: 'insertion' };

/** The chart's line sources (the legend's words), in legend order. */
export const CHART_SOURCES = { map: 'method maps', random: 'scattered random', smooth: 'smoothness-matched random' } as const;
export type ChartSource = (typeof CHART_SOURCES)[keyof typeof CHART_SOURCES];

/** Dash pattern of each source: solid, dashed, dotted (2-px dashes of a 2-px line are square dots). */
export const CHART_DASHES: Record<ChartSource, number[]> = { [CHART_SOURCES.map]: [1, 0], [CHART_SOURCES.random]: [8, 4], [CHART_SOURCES.smooth]: [2, 3] };

export interface ChartRow {
  x: number;
  y: number;
  curve: string;
  source: ChartSource;
}

/** The rows the chart plots: one per (source, curve, point). */
export function chartRows(aggregate: MethodAggregate): ChartRow[] {
  const rows: ChartRow[] = [];
  const add = (curves: Partial<Record<CurveKind, number[]>> | undefined, source: ChartSource) => {
    for (const [kind, ys] of Object.entries(curves ?? {}) as [CurveKind, number[]][]) {
      // A random map's random-order curve stands for both MoRF and LeRF; draw it once.
      if (source !== CHART_SOURCES.map && kind === 'lerf') continue;
      const steps = ys.length - 1;
      ys.forEach((y, k) => rows.push({ x: round6(k / steps), y: round6(y), curve: CURVE_LABELS[kind], source }));
    }
  };
  add(aggregate.meanCurves, CHART_SOURCES.map);
  add(aggregate.randomMeanCurves, CHART_SOURCES.random);
  add(aggregate.smoothRandomMeanCurves, CHART_SOURCES.smooth);
  return rows;
}

/** The subtitle lines: images, then what each line style is (the smooth one with its grids). */
export function chartSubtitle(aggregate: MethodAggregate, images: number): string[] {
  const lines = [`${images} image(s); solid = the method's maps`];
  if (aggregate.randomMeanCurves) lines.push('dashed = scattered random maps (one random-order curve stands for MoRF and LeRF)');
  if (aggregate.smoothRandomMeanCurves) lines.push(`dotted = smoothness-matched random maps: ${gridsText(aggregate.smoothGrids)}`);
  return lines;
}
