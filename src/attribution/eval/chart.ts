/**
 * Curve charts: per method, the mean normalised curves of its maps (solid), of the scattered random
 * maps (dashed) and of the smoothness-matched random maps (dotted), drawn with vega-lite → SVG
 * (headless vega view) → PNG (sharp). A smooth map (a CAM) should be read against the dotted line:
 * scattered random maps break every shape at once, so their MoRF curve falls fast whatever the order.
 */
import sharp from 'sharp';
import type * as vl from 'vega-lite';
import { CHART_DASHES, CHART_SOURCES, CURVE_LABELS, chartRows, chartSubtitle } from './chart-rows.js';
import type { MethodAggregate } from './types.js';

export { CHART_SOURCES, chartRows, chartSubtitle, type ChartRow, type ChartSource } from './chart-rows.js';

/** The vega-lite spec of one method's chart. */
export function chartSpec(method: string, aggregate: MethodAggregate, images: number): vl.TopLevelSpec {
  const rows = chartRows(aggregate);
  const sources = Object.values(CHART_SOURCES).filter((s) => rows.some((r) => r.source === s));
  // Long stroke symbols, so the dash patterns are recognisable in the legend; labels never cut.
  const legend = { symbolType: 'stroke', symbolSize: 900, symbolStrokeWidth: 2, labelFontSize: 12, titleFontSize: 12, labelLimit: 260 } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${method}: mean perturbation curves`, subtitle: chartSubtitle(aggregate, images), subtitleFontSize: 11, anchor: 'start' },
    width: 460,
    height: 280,
    background: 'white',
    data: { values: rows },
    mark: { type: 'line', point: false, strokeWidth: 2 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: 'fraction of units removed (inserted for insertion), k/S', scale: { domain: [0, 1] } },
      y: { field: 'y', type: 'quantitative', title: 'normalised target score' },
      color: { field: 'curve', type: 'nominal', title: 'curve', scale: { domain: Object.values(CURVE_LABELS) }, legend },
      strokeDash: { field: 'source', type: 'nominal', title: 'line', scale: { domain: sources, range: sources.map((s) => CHART_DASHES[s]) }, legend },
      detail: { field: 'source', type: 'nominal' },
    },
  };
}

/** Renders a vega-lite spec to PNG bytes. */
export async function renderPng(spec: vl.TopLevelSpec): Promise<Buffer> {
  // Loaded on first use: vega and vega-lite take ~0.4 s of CPU to import, which every CLI start
  // would pay, while only attribution evaluation draws charts.
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return await sharp(Buffer.from(svg)).png().toBuffer();
  } finally {
    view.finalize();
  }
}
