// The probes page's charts (vega-lite, interactive): each concept's test AUC with its 95 % interval
// against chance and the shuffled-label control, and the sparse-k curves (AUC vs neurons kept).
import { useMemo } from 'react';
import type { VisualizationSpec } from 'vega-embed';
import type { ProbeConceptView, ProbeVerdict } from '../contract.js';
import { SCORE_FORMAT } from '../format.js';
import { VegaChart } from './VegaChart.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** How each verdict reads and is coloured, in the legend's order. */
export const VERDICTS: Record<ProbeVerdict, { label: string; colour: string }> = {
  pass: { label: '✓ passes', colour: '#2f7d32' },
  fail: { label: '✗ fails', colour: '#b3261e' },
  'too-few': { label: '✗ too few test positives', colour: '#9a6700' },
};

const verdictScale = {
  domain: Object.values(VERDICTS).map((v) => v.label),
  range: Object.values(VERDICTS).map((v) => v.colour),
};
/** Below the plot, so the two charts of a layer fit side by side. */
const verdictLegend = { orient: 'bottom', direction: 'horizontal' } as const;

/** One point per concept: multi-neuron test AUC, its interval (rule), the shuffled control (tick), chance (dashed). */
export function AucChart({ probes, layer }: { probes: ProbeConceptView[]; layer: string }) {
  const spec = useMemo<VisualizationSpec>(() => {
    const values = probes
      .filter((p) => p.auc !== null)
      .map((p) => ({ concept: p.name, auc: p.auc, low: p.aucCi?.[0] ?? p.auc, high: p.aucCi?.[1] ?? p.auc, shuffled: p.shuffledAuc, check: VERDICTS[p.check.verdict].label, testPositives: p.testPositives }));
    const y = { field: 'concept', type: 'nominal', title: null, sort: { field: 'auc', order: 'descending' } } as const;
    const tooltip = [
      { field: 'concept', type: 'nominal' },
      { field: 'auc', type: 'quantitative', title: 'test AUC', format: SCORE_FORMAT },
      { field: 'low', type: 'quantitative', title: '95 % CI low', format: SCORE_FORMAT },
      { field: 'high', type: 'quantitative', title: '95 % CI high', format: SCORE_FORMAT },
      { field: 'shuffled', type: 'quantitative', title: 'shuffled-label AUC', format: SCORE_FORMAT },
      { field: 'testPositives', type: 'quantitative', title: 'test positives' },
      { field: 'check', type: 'nominal' },
    ];
    return {
      $schema: SCHEMA,
      title: { text: `${layer}: multi-neuron test AUC with its 95 % interval`, subtitle: 'dashed = chance (0.5); grey tick = the same probe on shuffled labels', anchor: 'start' },
      width: 340,
      height: { step: 14 },
      layer: [
        { data: { values }, mark: { type: 'rule', strokeWidth: 2 }, encoding: { y, x: { field: 'low', type: 'quantitative', title: 'test AUC', scale: { domain: [0, 1] } }, x2: { field: 'high' }, color: { field: 'check', type: 'nominal', title: 'check', scale: verdictScale, legend: verdictLegend } } },
        { data: { values }, mark: { type: 'tick', color: '#8c959f', thickness: 2, size: 10 }, encoding: { y, x: { field: 'shuffled', type: 'quantitative' } } },
        { data: { values }, mark: { type: 'point', filled: true, size: 50 }, encoding: { y, x: { field: 'auc', type: 'quantitative' }, color: { field: 'check', type: 'nominal', scale: verdictScale, legend: verdictLegend }, tooltip } },
        { data: { values: [{ chance: 0.5 }] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#57606a' }, encoding: { x: { field: 'chance', type: 'quantitative' } } },
      ],
    } as VisualizationSpec;
  }, [probes, layer]);
  return <VegaChart spec={spec} testId="probe-auc-chart" label={`test AUC with 95 % intervals per concept of ${layer}`} />;
}

/**
 * AUC vs k (neurons kept, largest weights first) for every concept; hovering a line (or its legend
 * entry) brings that concept forward. `focus` draws one concept alone with its target line.
 */
export function SparseChart({ probes, layer, focus }: { probes: ProbeConceptView[]; layer: string; focus?: ProbeConceptView }) {
  const spec = useMemo<VisualizationSpec>(() => {
    const shown = focus ? [focus] : probes;
    const values = shown.flatMap((p) => p.sparse.curve.filter((pt) => pt.auc !== null).map((pt) => ({ concept: p.name, k: pt.k, auc: pt.auc, check: VERDICTS[p.check.verdict].label })));
    const targets = focus && focus.sparse.targetAuc !== null ? [{ target: focus.sparse.targetAuc }] : [];
    const title = focus
      ? { text: `${focus.name}: test AUC vs neurons kept`, subtitle: `dashed = ${Math.round(100 * focus.sparse.target)} % of the full probe's AUC; k reached: ${focus.sparse.k ?? 'never'}`, anchor: 'start' as const }
      : { text: `${layer}: sparse probes, test AUC vs neurons kept (k)`, subtitle: 'hover a line to bring its concept forward', anchor: 'start' as const };
    return {
      $schema: SCHEMA,
      title,
      width: 340,
      height: focus ? 180 : 240,
      layer: [
        {
          data: { values },
          params: [{ name: 'hover', select: { type: 'point', fields: ['concept'], on: 'pointerover', clear: 'pointerout' } }],
          mark: { type: 'line', point: true, strokeWidth: 2 },
          encoding: {
            x: { field: 'k', type: 'quantitative', title: 'k (neurons kept)', scale: { type: 'log', base: 2 } },
            y: { field: 'auc', type: 'quantitative', title: 'test AUC', scale: { zero: false } },
            color: { field: 'check', type: 'nominal', title: 'check', scale: verdictScale, legend: verdictLegend },
            detail: { field: 'concept', type: 'nominal' },
            opacity: { condition: { param: 'hover', empty: true, value: 1 }, value: 0.15 },
            tooltip: [
              { field: 'concept', type: 'nominal' },
              { field: 'k', type: 'quantitative' },
              { field: 'auc', type: 'quantitative', title: 'test AUC', format: SCORE_FORMAT },
            ],
          },
        },
        ...(targets.length > 0 ? [{ data: { values: targets }, mark: { type: 'rule', strokeDash: [4, 4], color: '#57606a' }, encoding: { y: { field: 'target', type: 'quantitative' } } }] : []),
      ],
    } as VisualizationSpec;
  }, [probes, layer, focus]);
  return <VegaChart spec={spec} testId={focus ? 'probe-k-chart-concept' : 'probe-k-chart'} label={focus ? `sparse-k curve of ${focus.name}` : `sparse-k curves of ${layer}`} />;
}
