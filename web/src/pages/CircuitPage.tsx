// #/circuit/NAME[/CIRCUIT] — one query: the image with its roots' regions, predictions, a circuit
// picker, the selected circuit's Sankey, whether it beats random neurons, its nodes with their
// support, the ablation numbers and the diagnosis.
import type { CircuitResponse, OverviewResponse, SankeyNode } from '../contract.js';
import { api, fileUrl, useApi } from '../data.js';
import { links, usePageTitle } from '../router.js';
import { Loaded } from '../components/Status.js';
import { ImageBox } from '../components/ImageBox.js';
import { Sankey } from '../components/Sankey.js';
import { QueryEval } from '../components/EvalSummary.js';
import { DiagnosisTable } from '../components/DiagnosisTable.js';
import { CircuitFaithfulness, CircuitNeurons, GateLine } from '../components/CircuitChecks.js';
import { fmt, pct } from '../format.js';

export function CircuitPage({ name, circuit }: { name: string; circuit?: string }) {
  usePageTitle(`Circuit ${name}${circuit ? ` ${circuit}` : ''}`);
  const state = useApi<CircuitResponse>(api('circuits', name));
  const overview = useApi<OverviewResponse>('/api/overview');
  const size = overview.data ? ([overview.data.model.inputSize.height, overview.data.model.inputSize.width] as const) : undefined;
  return (
    <>
      <h1>
        Circuits of <code>{name}</code>
      </h1>
      <p>
        <a href={links.circuits()}>← all queries</a>
      </p>
      <Loaded state={state} what="the circuits">
        {(c) => <CircuitBody c={c} selected={circuit} size={size} />}
      </Loaded>
    </>
  );
}

function CircuitBody({ c, selected, size }: { c: CircuitResponse; selected?: string; size?: readonly [number, number] }) {
  const query = c.result.query;
  const current = c.sankey.find((s) => s.id === selected) ?? c.sankey[0];
  const measured = current ? c.result.circuits.find((x) => x.id === current.id) : undefined;
  const layers = Array.isArray(c.result.layers) ? c.result.layers.map((l) => l.id) : [];
  const roots: SankeyNode[] = c.sankey.flatMap((s) => s.nodes.filter((n) => n.root));
  const shownBoxes = (current ? current.nodes.filter((n) => n.root) : roots).map((n) => ({ ...n.region, label: `${n.layer} #${n.channel}` }));
  const select = (id: string) => {
    window.location.hash = links.circuit(c.name, id);
  };
  return (
    <div data-testid="circuit">
      <div className="panel" style={{ display: 'flex', gap: '1.5rem', flexWrap: 'wrap' }}>
        {query.index !== undefined && (
          <a href={links.image(query.index)} title="the query image">
            <ImageBox index={query.index} size={size} boxes={shownBoxes} px={192} alt={`query ${query.image}`} testId="query-img" />
          </a>
        )}
        <div>
          <p>
            Query <code>{query.image}</code>
            {query.index !== undefined && ` (image ${query.index})`}.
          </p>
          <table>
            <thead>
              <tr>
                <th>prediction</th>
                <th className="num">score</th>
              </tr>
            </thead>
            <tbody>
              {query.predicted.map((p) => (
                <tr key={p.class}>
                  <td>{p.label ?? `class ${p.class}`}</td>
                  <td className="num">{p.prob !== undefined ? pct(p.prob) : fmt(p.logit)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {c.report && (
            <p>
              <a href={fileUrl(c.report)}>static HTML report</a>
            </p>
          )}
        </div>
      </div>

      <h2>Circuits ({c.sankey.length})</h2>
      {c.result.circuits.some((x) => x.effect) && <p className="muted">Ranked by effect: the drop of the predicted logit when the circuit alone is zeroed; the page opens on the first.</p>}
      {c.sankey.length === 0 ? (
        <p className="muted">No root of this query has an edge: no circuit.</p>
      ) : (
        <>
          <label className="toolbar">
            Circuit{' '}
            <select value={current?.id} onChange={(e) => select(e.target.value)} data-testid="circuit-select">
              {c.sankey.map((s) => {
                // Circuits are stored ranked by measured effect (older files: discovery order).
                const r = c.result.circuits.find((x) => x.id === s.id);
                return (
                  <option key={s.id} value={s.id}>
                    {s.id} — {s.nodes.length} neurons, {s.links.length} edges
                    {r?.effect ? `, logit drop ${fmt(r.effect.drop)}` : ''}
                    {r?.effect?.verdict ? (r.effect.verdict.pass ? ' ✓ beats random' : ' ✗ not above random') : ''}
                    {r?.concept ? `, “${r.concept.caption}” (${r.concept.neurons}/${r.concept.of} neurons)` : ''}
                  </option>
                );
              })}
            </select>
          </label>
          {current && (
            <>
              <Sankey nodes={current.nodes} links={current.links} layers={layers} query={query.index} size={size} />
              <h3>Does this circuit beat random neurons?</h3>
              <CircuitFaithfulness effect={measured?.effect} entry={c.eval} id={current.id} />
              <h3>Neurons</h3>
              <GateLine support={c.result.support} />
              <CircuitNeurons nodes={current.nodes} />
            </>
          )}
        </>
      )}

      {c.eval && (
        <>
          <h2>Ablation check</h2>
          <QueryEval entry={c.eval} />
        </>
      )}
      {c.diagnosis && (
        <>
          <h2>Diagnosis</h2>
          <DiagnosisTable name={c.name} diagnosis={c.diagnosis} onSelect={select} />
        </>
      )}
    </div>
  );
}
