/**
 * Curve charts: per method, the mean normalised curves of its maps (solid) and of the random maps
 * (dashed), drawn with vega-lite → SVG (headless vega view) → PNG (sharp).
 */
import sharp from 'sharp';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { round6 } from './curves.js';
import type { CurveKind, MethodAggregate } from './types.js';

const LABELS: Record<CurveKind, string> = { morf: 'MoRF', lerf: 'LeRF', deletion: 'deletion', insertion: 'insertion' };

/** The rows the chart plots: one per (curve, point). */
export function chartRows(aggregate: MethodAggregate): { x: number; y: number; curve: string; source: string }[] {
  const rows: { x: number; y: number; curve: string; source: string }[] = [];
  const add = (curves: Partial<Record<CurveKind, number[]>> | undefined, source: string) => {
    for (const [kind, ys] of Object.entries(curves ?? {}) as [CurveKind, number[]][]) {
      // The random-order curve stands for both MoRF and LeRF; draw it once.
      if (source === 'random' && kind === 'lerf') continue;
      const steps = ys.length - 1;
      ys.forEach((y, k) => rows.push({ x: round6(k / steps), y: round6(y), curve: LABELS[kind], source }));
    }
  };
  add(aggregate.meanCurves, 'map');
  add(aggregate.randomMeanCurves, 'random');
  return rows;
}

/** The vega-lite spec of one method's chart. */
export function chartSpec(method: string, aggregate: MethodAggregate, images: number): vl.TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${method}: mean perturbation curves`, subtitle: `${images} image(s); dashed = random maps (one random-order curve stands for MoRF and LeRF)` },
    width: 420,
    height: 280,
    background: 'white',
    data: { values: chartRows(aggregate) },
    mark: { type: 'line', point: false },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: 'fraction of units removed (inserted for insertion), k/S', scale: { domain: [0, 1] } },
      y: { field: 'y', type: 'quantitative', title: 'normalised target score' },
      color: { field: 'curve', type: 'nominal', title: 'curve', scale: { domain: ['MoRF', 'LeRF', 'deletion', 'insertion'] } },
      strokeDash: { field: 'source', type: 'nominal', title: 'maps', scale: { domain: ['map', 'random'], range: [[1, 0], [5, 3]] } },
      detail: { field: 'source', type: 'nominal' },
    },
  };
}

/** Renders a vega-lite spec to PNG bytes. */
export async function renderPng(spec: vl.TopLevelSpec): Promise<Buffer> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return await sharp(Buffer.from(svg)).png().toBuffer();
  } finally {
    view.finalize();
  }
}
