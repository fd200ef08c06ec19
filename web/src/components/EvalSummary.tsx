// The circuits ablation check: aggregate numbers (eval.json summary) and one query's numbers.
import { useMemo } from 'react';
import type { VisualizationSpec } from 'vega-embed';
import type { CircuitsEvalFile, CircuitsEvalQuery, ClassLogits, ClassSummary, MeanSd } from '../contract.js';
import { fmt, pct } from '../format.js';
import { VegaChart } from './VegaChart.js';
import { RatioText, Verdict } from './CircuitChecks.js';

const ms = (v?: MeanSd) => (v?.mean === undefined ? '—' : `${fmt(v.mean)} ± ${fmt(v.sd)}`);

const ci = (v?: { ci?: [number, number] }) => (Array.isArray(v?.ci) ? ` [${fmt(v.ci[0])}, ${fmt(v.ci[1])}]` : '');

/** Each circuit ablated alone and kept alone, against random sets of its sizes (absent in older files). */
function PerCircuit({ summary }: { summary: CircuitsEvalFile['summary'] }) {
  const p = summary.perCircuit;
  if (!p || typeof p !== 'object' || !p.drop) return null;
  return (
    <p data-testid="eval-per-circuit">
      Each circuit alone ({summary.mode ?? 'zero'} ablation, {p.circuits} circuits of {p.queries} queries): predicted-logit drop {fmt(p.drop.mean)}
      {ci(p.drop)} vs {fmt(p.random.mean)}
      {ci(p.random)} for random neurons of the same layers and count; difference {fmt(p.difference?.mean)}
      {ci(p.difference)}; ratio <RatioText ratio={p.ratio} verdict={p.verdict} /> (95 % bootstrap intervals over queries): <Verdict verdict={p.verdict} />
      {typeof p.passes === 'number' ? `; ${pct(p.passes)} of circuits beat their own random draws` : ''}. Kept alone in its layers, a circuit restores {pct(p.completeness?.retained?.mean)} of
      the logit above the all-ablated floor, random sets {pct(p.completeness?.random?.mean)}.
      {!p.ratio && p.verdict?.ratioNa ? <span className="muted"> Ratio {p.verdict.ratioNa.replace(/^ratio /, '')}.</span> : null}
    </p>
  );
}

export function EvalSummary({ summary }: { summary: CircuitsEvalFile['summary'] }) {
  return (
    <>
      <EvalTable summary={summary} />
      <PerCircuit summary={summary} />
    </>
  );
}

function EvalTable({ summary }: { summary: CircuitsEvalFile['summary'] }) {
  const sides = (['predicted', 'true'] as const).filter((k) => summary[k] && typeof summary[k] === 'object');
  return (
    <table data-testid="eval-summary">
      <thead>
        <tr>
          <th>logit</th>
          <th className="num">queries</th>
          <th className="num">original</th>
          <th className="num">drop: circuit</th>
          <th className="num">drop: random</th>
          <th className="num">drop: outside</th>
          <th className="num">AUC deletion</th>
          <th className="num">AUC insertion</th>
          <th className="num">circuit − random [95 % CI]</th>
          <th className="num">circuit / random</th>
          <th className="num">circuit beats random</th>
          <th>verdict</th>
        </tr>
      </thead>
      <tbody>
        {sides.map((k) => {
          const s = summary[k] as ClassSummary;
          return (
            <tr key={k}>
              <td>{k === 'predicted' ? 'predicted class' : 'true class'}</td>
              <td className="num">{s.queries ?? '—'}</td>
              <td className="num">{ms(s.original)}</td>
              <td className="num">{ms(s.drop?.circuit)}</td>
              <td className="num">{ms(s.drop?.random)}</td>
              <td className="num">{ms(s.drop?.outside)}</td>
              <td className="num">{ms(s.auc?.deletion)}</td>
              <td className="num">{ms(s.auc?.insertion)}</td>
              <td className="num">
                {fmt(s.difference?.mean)}
                {ci(s.difference)}
              </td>
              <td className="num">
                <RatioText ratio={s.ratio} verdict={s.verdict} />
              </td>
              <td className="num">{pct(s.circuitBeatsRandom)}</td>
              <td>
                <Verdict verdict={s.verdict} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** A class's logits, or only the class when the query had no circuit neurons. */
type QuerySide = Partial<ClassLogits>;

/** One query's entry of eval.json: logits under each ablation and its deletion/insertion curves. */
export function QueryEval({ entry }: { entry: CircuitsEvalQuery }) {
  const sides = (['predicted', 'true'] as const).filter((k) => entry[k] && typeof entry[k] === 'object');
  const ks = Array.isArray(entry.ks) ? entry.ks : [];
  const spec = useMemo<VisualizationSpec | null>(() => {
    const p: QuerySide | undefined = entry.predicted;
    if (!p?.deletion || !p.insertion || ks.length === 0) return null;
    const K = Math.max(1, ks[ks.length - 1] ?? 1);
    const values = [
      ...p.deletion.map((y, i) => ({ k: (ks[i] ?? i) / K, logit: y, curve: 'deletion' })),
      ...p.insertion.map((y, i) => ({ k: (ks[i] ?? i) / K, logit: y, curve: 'insertion' })),
    ];
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 320,
      height: 150,
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'k', type: 'quantitative', title: 'k / K (circuit edges, by sensitivity)' },
        y: { field: 'logit', type: 'quantitative', title: 'predicted logit', scale: { zero: false } },
        color: { field: 'curve', type: 'nominal' },
      },
    };
  }, [entry, ks]);
  return (
    <>
      <table data-testid="query-eval">
        <thead>
          <tr>
            <th>logit</th>
            <th className="num">original</th>
            <th className="num">circuit zeroed</th>
            <th className="num">random zeroed</th>
            <th className="num">outside zeroed</th>
            <th className="num">AUC deletion</th>
            <th className="num">AUC insertion</th>
          </tr>
        </thead>
        <tbody>
          {sides.map((k) => {
            const s = entry[k] as QuerySide;
            return (
              <tr key={k}>
                <td>
                  {k} {s.label ?? s.class}
                </td>
                <td className="num">{fmt(s.original)}</td>
                <td className="num">{fmt(s.circuit)}</td>
                <td className="num">{ms(s.random)}</td>
                <td className="num">{ms(s.outside)}</td>
                <td className="num">{fmt(s.auc?.deletion)}</td>
                <td className="num">{fmt(s.auc?.insertion)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {spec && <VegaChart spec={spec} testId="query-eval-chart" label="deletion and insertion curves" />}
    </>
  );
}
