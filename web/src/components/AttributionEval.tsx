// The evaluation of an attribution folder: per method its curve areas against the random maps with
// the check (a method less faithful than random is shown as failing), its perturbation curves as
// interactive charts, and the cascading-randomisation sanity check with its verdict. Every score
// is written one way (format.ts score: a 3-decimal fraction).
import { useMemo } from 'react';
import type { VisualizationSpec } from 'vega-embed';
import type { AttributionSanity, CurveKind, EvalResult, MethodAggregate, MethodChecks } from '../contract.js';
import { VegaChart } from './VegaChart.js';
import { CHART_DASHES, CHART_SOURCES, CURVE_LABELS, chartRows, chartSubtitle } from '../../../src/attribution/eval/chart-rows.js';
import { SANITY_MAX_FINAL_CORRELATION } from '../../../src/attribution/eval/checks.js';
import { score, scoreSd, SCORE_FORMAT } from '../format.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export function EvalTable({ evaluation }: { evaluation: EvalResult }) {
  const aggregate = (evaluation.aggregate ?? {}) as Record<string, MethodAggregate>;
  const kinds = [...new Set(Object.values(aggregate).flatMap((g) => Object.keys(g.auc ?? {}) as CurveKind[]))];
  return (
    <table data-testid="auc-table">
      <thead>
        <tr>
          <th>method</th>
          {kinds.map((k) => (
            <th key={k} className="num">
              AUC {CURVE_LABELS[k] ?? k} {k === 'morf' || k === 'deletion' ? '↓' : '↑'}
            </th>
          ))}
          <th className="num">ABPC ↑</th>
          <th>check vs random</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(aggregate).map(([m, g]) => (
          <tr key={m} className={g.checks?.lessFaithfulThanRandom ? 'check-failed' : undefined} data-testid={g.checks?.lessFaithfulThanRandom ? 'auc-row-failed' : 'auc-row'}>
            <td>{m}</td>
            {kinds.map((k) => (
              <td key={k} className="num nowrap" data-testid="eval-score">
                {scoreSd(g.auc?.[k])}
                {g.random?.[k] && <div className="muted">random {score(g.random[k]!.mean)}</div>}
                {g.smoothRandom?.[k] && <div className="muted">smooth {score(g.smoothRandom[k]!.mean)}</div>}
              </td>
            ))}
            <td className="num nowrap" data-testid="eval-score">
              {scoreSd(g.abpc)}
            </td>
            <td className="reason">
              <CheckCell checks={g.checks} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A failing check is shown as failing (✗, the flag's words and the reason); a passing one as ✓. */
function CheckCell({ checks }: { checks?: MethodChecks }) {
  if (!checks) return <span className="muted">—</span>;
  if (!checks.lessFaithfulThanRandom) return <span data-testid="check-passed">✓ below random</span>;
  return (
    <span className="check-failed" data-testid="check-failed" title={checks.reason}>
      ✗ less faithful than random on this model
      {checks.reason && <div className="muted">{checks.reason}</div>}
    </span>
  );
}

/**
 * One method's mean perturbation curves (the eval's chart rows: solid = its maps, dashed = scattered
 * random maps, dotted = smoothness-matched random maps). Click a legend entry to bring a curve
 * forward; hover for the values.
 */
export function CurvesChart({ method, aggregate, images }: { method: string; aggregate: MethodAggregate; images: number }) {
  const spec = useMemo<VisualizationSpec>(() => {
    const rows = chartRows({ ...aggregate, meanCurves: aggregate.meanCurves ?? {} });
    const sources = Object.values(CHART_SOURCES).filter((s) => rows.some((r) => r.source === s));
    const failed = aggregate.checks?.lessFaithfulThanRandom ? ' — ✗ less faithful than random' : '';
    return {
      $schema: SCHEMA,
      title: { text: `${method}${failed}`, subtitle: chartSubtitle(aggregate, images), anchor: 'start', ...(failed ? { color: '#b3261e' } : {}) },
      width: 340,
      height: 200,
      data: { values: rows },
      params: [{ name: 'pick', select: { type: 'point', fields: ['curve'] }, bind: 'legend' }],
      mark: { type: 'line', strokeWidth: 2, point: { size: 12 } },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: 'fraction of units perturbed' },
        y: { field: 'y', type: 'quantitative', title: 'normalised score' },
        color: { field: 'curve', type: 'nominal', title: 'curve (click)', scale: { domain: Object.values(CURVE_LABELS) } },
        strokeDash: { field: 'source', type: 'nominal', title: 'line', scale: { domain: sources, range: sources.map((s) => CHART_DASHES[s]) }, legend: { symbolType: 'stroke', symbolSize: 600, symbolStrokeWidth: 2, labelLimit: 260 } },
        detail: { field: 'source', type: 'nominal' },
        opacity: { condition: { param: 'pick', empty: true, value: 1 }, value: 0.12 },
        tooltip: [
          { field: 'curve', type: 'nominal' },
          { field: 'source', type: 'nominal', title: 'line' },
          { field: 'x', type: 'quantitative', title: 'fraction perturbed', format: SCORE_FORMAT },
          { field: 'y', type: 'quantitative', title: 'normalised score', format: SCORE_FORMAT },
        ],
      },
    } as VisualizationSpec;
  }, [method, aggregate, images]);
  return <VegaChart spec={spec} testId="curves-chart" label={`evaluation curves of ${method}`} />;
}

/** The cascade: similarity to the original maps as layers are re-initialised from the output, with its verdict. */
export function SanityResult({ s }: { s: AttributionSanity }) {
  const spec = useMemo<VisualizationSpec>(() => {
    const measures = [
      ['Spearman of the maps', 'spearman'],
      ['Spearman of |map|', 'spearmanAbs'],
      ['Pearson of |map|', 'pearsonAbs'],
    ] as const;
    const values = s.steps.flatMap((step) => measures.map(([label, key]) => ({ layers: step.layers, measure: label, value: step[key].mean, sd: step[key].std ?? 0 })));
    return {
      $schema: SCHEMA,
      title: { text: `${s.method}: maps of the randomised model vs the original`, subtitle: `${s.images} image(s); dashed = the check's lines (|correlation| ${score(SANITY_MAX_FINAL_CORRELATION)})`, anchor: 'start' },
      width: 340,
      height: 180,
      layer: [
        {
          data: { values },
          params: [{ name: 'pick', select: { type: 'point', fields: ['measure'] }, bind: 'legend' }],
          mark: { type: 'line', point: true, strokeWidth: 2 },
          encoding: {
            x: { field: 'layers', type: 'quantitative', title: 'layers re-initialised (from the output)' },
            y: { field: 'value', type: 'quantitative', title: 'correlation', scale: { domain: [-1, 1] } },
            color: { field: 'measure', type: 'nominal', title: 'measure (click)' },
            opacity: { condition: { param: 'pick', empty: true, value: 1 }, value: 0.12 },
            tooltip: [
              { field: 'measure', type: 'nominal' },
              { field: 'layers', type: 'quantitative', title: 'layers re-initialised' },
              { field: 'value', type: 'quantitative', title: 'mean', format: SCORE_FORMAT },
              { field: 'sd', type: 'quantitative', title: 'sd', format: SCORE_FORMAT },
            ],
          },
        },
        { data: { values: [{ line: SANITY_MAX_FINAL_CORRELATION }, { line: -SANITY_MAX_FINAL_CORRELATION }] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#57606a' }, encoding: { y: { field: 'line', type: 'quantitative' } } },
      ],
    } as VisualizationSpec;
  }, [s]);
  return (
    <div className="panel" data-testid="sanity-result">
      <p>
        <strong data-testid={s.check.passed ? 'sanity-passed' : 'sanity-failed'} className={s.check.passed ? undefined : 'check-failed'}>
          {s.check.passed ? '✓ passes' : '✗ fails'}
        </strong>{' '}
        ({s.method}, {s.source}): {s.check.reason}.
      </p>
      <VegaChart spec={spec} testId="sanity-chart" label={`cascading randomisation of ${s.method}`} />
      <table>
        <thead>
          <tr>
            <th className="num">layers re-initialised</th>
            <th className="num">Spearman</th>
            <th className="num">Spearman |map|</th>
            <th className="num">Pearson |map|</th>
          </tr>
        </thead>
        <tbody>
          {s.steps.map((step) => (
            <tr key={step.step}>
              <td className="num">{step.layers}</td>
              <td className="num">{scoreSd(step.spearman)}</td>
              <td className="num">{scoreSd(step.spearmanAbs)}</td>
              <td className="num">{scoreSd(step.pearsonAbs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
