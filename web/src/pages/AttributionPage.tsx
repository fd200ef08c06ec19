// #/attribution/NAME — overlays per image (columns = methods), evaluation curves and the AUC table.
import { useMemo } from 'react';
import type { VisualizationSpec } from 'vega-embed';
import type { AttributionResponse, CurveKind, MethodAggregate, MethodChecks, Stat } from '../contract.js';
import { api, fileUrl, useApi } from '../data.js';
import { links, usePageTitle } from '../router.js';
import { Loaded } from '../components/Status.js';
import { VegaChart } from '../components/VegaChart.js';
import { CHART_DASHES, CHART_SOURCES, CURVE_LABELS, chartRows, chartSubtitle } from '../../../src/attribution/eval/chart-rows.js';
import { attributionGrid, curvesPng } from '../attribution.js';
import { fmt } from '../format.js';

const ms = (s?: Stat) => (s ? `${fmt(s.mean)}${s.std !== null ? ` ± ${fmt(s.std)}` : ''}` : '—');

export function AttributionPage({ name }: { name: string }) {
  usePageTitle(`Attribution ${name}`);
  const state = useApi<AttributionResponse>(api('attribution', name));
  return (
    <>
      <h1>
        Attribution <code>{name}</code>
      </h1>
      <p>
        <a href={links.attributions()}>← all attribution results</a>
      </p>
      <Loaded state={state} what="attribution">
        {(a) => <AttributionBody a={a} />}
      </Loaded>
    </>
  );
}

function AttributionBody({ a }: { a: AttributionResponse }) {
  const rows = useMemo(() => attributionGrid(a.methods, a.pngs, a.attribution), [a]);
  const aggregate = (a.evaluation?.aggregate ?? {}) as Record<string, MethodAggregate>;
  const kinds = [...new Set(Object.values(aggregate).flatMap((g) => Object.keys(g.auc ?? {}) as CurveKind[]))];
  return (
    <div data-testid="attribution">
      <h2>Maps</h2>
      {rows.length === 0 ? (
        <p className="muted">No overlay images in this folder.</p>
      ) : (
        <table className="attr-grid" data-testid="attribution-grid">
          <thead>
            <tr>
              <th>image</th>
              {a.methods.map((m) => (
                <th key={m}>{m}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.image}>
                <td>{r.index !== undefined ? <a href={links.image(r.index)}>{r.image}</a> : <code>{r.image}</code>}</td>
                {a.methods.map((m) => (
                  <td key={m}>{r.cells[m] ? <img src={fileUrl(r.cells[m]!)} alt={`${m} on ${r.image}`} data-testid="overlay-img" /> : <span className="muted">—</span>}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {a.evaluation && (
        <>
          <h2>Evaluation</h2>
          <table data-testid="auc-table">
            <thead>
              <tr>
                <th>method</th>
                {kinds.map((k) => (
                  <th key={k} className="num">
                    AUC {k}
                  </th>
                ))}
                <th className="num">ABPC</th>
                <th>check vs random</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(aggregate).map(([m, g]) => (
                <tr key={m} className={g.checks?.lessFaithfulThanRandom ? 'check-failed' : undefined} data-testid={g.checks?.lessFaithfulThanRandom ? 'auc-row-failed' : 'auc-row'}>
                  <td>{m}</td>
                  {kinds.map((k) => (
                    <td key={k} className="num">
                      {ms(g.auc?.[k])}
                      {g.random?.[k] && <span className="muted"> (random {fmt(g.random[k]!.mean)})</span>}
                      {g.smoothRandom?.[k] && <span className="muted"> (smooth random {fmt(g.smoothRandom[k]!.mean)})</span>}
                    </td>
                  ))}
                  <td className="num">{ms(g.abpc)}</td>
                  <td>
                    <CheckCell checks={g.checks} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="grid">
            {Object.entries(aggregate).map(([m, g]) => {
              const png = curvesPng(m, a.pngs);
              // The PNG at its own size (its legend and subtitle are unreadable scaled down), at most the page width.
              return png ? <img key={m} src={fileUrl(png)} alt={`evaluation curves of ${m}`} data-testid="curves-img" style={{ maxWidth: '100%' }} /> : <CurvesChart key={m} method={m} aggregate={g} images={a.evaluation!.images.length} />;
            })}
          </div>
        </>
      )}
      {a.files.length > 0 && (
        <>
          <h2>Files</h2>
          <ul>
            {a.files
              .filter((f) => !f.endsWith('.npy'))
              .map((f) => (
                <li key={f}>
                  <a href={fileUrl(f)}>{f}</a>
                </li>
              ))}
          </ul>
        </>
      )}
    </div>
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

/** The eval's chart drawn live when its PNG is absent: the same rows, line styles and subtitle. */
function CurvesChart({ method, aggregate, images }: { method: string; aggregate: MethodAggregate; images: number }) {
  const spec = useMemo<VisualizationSpec>(() => {
    const rows = chartRows({ ...aggregate, meanCurves: aggregate.meanCurves ?? {} });
    const sources = Object.values(CHART_SOURCES).filter((s) => rows.some((r) => r.source === s));
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: method, subtitle: chartSubtitle(aggregate, images), anchor: 'start' },
      width: 300,
      height: 160,
      data: { values: rows },
      mark: { type: 'line', strokeWidth: 2 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: 'fraction of units' },
        y: { field: 'y', type: 'quantitative', title: 'normalised score' },
        color: { field: 'curve', type: 'nominal', title: 'curve', scale: { domain: Object.values(CURVE_LABELS) } },
        strokeDash: { field: 'source', type: 'nominal', title: 'line', scale: { domain: sources, range: sources.map((s) => CHART_DASHES[s]) }, legend: { symbolType: 'stroke', symbolSize: 600, symbolStrokeWidth: 2, labelLimit: 260 } },
        detail: { field: 'source', type: 'nominal' },
      },
    };
  }, [method, aggregate, images]);
  return <VegaChart spec={spec} testId="curves-chart" label={`evaluation curves of ${method}`} />;
}
