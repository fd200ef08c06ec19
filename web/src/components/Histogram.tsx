// A neuron's activation histogram (pre-binned by the server) as a vega-lite bar chart.
import { useMemo } from 'react';
import type { VisualizationSpec } from 'vega-embed';
import { VegaChart } from './VegaChart.js';

export function Histogram({ edges, counts, marks }: { edges: number[]; counts: number[]; marks?: { label: string; value: number }[] }) {
  const spec = useMemo<VisualizationSpec>(
    () => ({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 420,
      height: 160,
      layer: [
        {
          data: { values: counts.map((count, i) => ({ from: edges[i], to: edges[i + 1], count })) },
          mark: { type: 'bar', color: '#2f5fd0' },
          encoding: {
            x: { field: 'from', type: 'quantitative', title: 'pooled activation', scale: { zero: false } },
            x2: { field: 'to' },
            y: { field: 'count', type: 'quantitative', title: 'images' },
            y2: { datum: 0 },
            tooltip: [
              { field: 'from', type: 'quantitative', format: '.3f' },
              { field: 'to', type: 'quantitative', format: '.3f' },
              { field: 'count', type: 'quantitative' },
            ],
          },
        },
        {
          data: { values: marks ?? [] },
          mark: { type: 'rule', color: '#e4572e', strokeDash: [4, 3] },
          encoding: { x: { field: 'value', type: 'quantitative' }, tooltip: [{ field: 'label' }, { field: 'value', type: 'quantitative', format: '.3f' }] },
        },
      ],
    }),
    [edges, counts, marks],
  );
  return <VegaChart spec={spec} testId="histogram" label="activation histogram" />;
}
