// #/circuit/NAME[/CIRCUIT] — one query: the image with its roots' regions, predictions, a circuit
// picker that opens on the most important circuit (the rule is stated on the page), the selected
// circuit's faithfulness, its Sankey with each node's reference crops, whether it beats random
// neurons, its nodes with their support, the ablation numbers and the diagnosis.
import { useState } from 'react';
import type { CircuitResponse, DefaultCircuit, OverviewResponse, SankeyNode } from '../contract.js';
import { api, fileUrl, useApi } from '../data.js';
import { links, usePageTitle } from '../router.js';
import { Loaded } from '../components/Status.js';
import { ImageBox } from '../components/ImageBox.js';
import { Sankey } from '../components/Sankey.js';
import { QueryEval } from '../components/EvalSummary.js';
import { DiagnosisTable } from '../components/DiagnosisTable.js';
import { CircuitFaithfulness, CircuitNeurons, FaithfulnessHeadline, GateLine } from '../components/CircuitChecks.js';
import { NodeDetail } from '../components/NodeCrops.js';
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
  const current = c.sankey.find((s) => s.id === selected) ?? c.sankey.find((s) => s.id === c.default?.id) ?? c.sankey[0];
  const [picked, setPicked] = useState<string | null>(null);
  // The node whose pictures show: the one clicked in this circuit, else the circuit's root.
  const node = current ? (current.nodes.find((n) => n.id === picked) ?? current.nodes.find((n) => n.root) ?? current.nodes[0]) : undefined;
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
      <DefaultRule rule={c.default} c={c} />
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
                    {s.id === c.default?.id ? '★ ' : ''}
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
              <FaithfulnessHeadline effect={measured?.effect} />
              <p className="muted">
                Hover a node for its name, importance and checks; click it (or focus it and press Enter) for its reference images. Red: the root; ribbon width ∝ sensitivity.
              </p>
              <Sankey nodes={current.nodes} links={current.links} layers={layers} query={query.index} size={size} selected={node?.id} onSelect={setPicked} />
              {node && <NodeDetail node={node} size={size} />}
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

/** The rule the page opens by, and which circuit it picked. */
function DefaultRule({ rule, c }: { rule?: DefaultCircuit; c: CircuitResponse }) {
  if (!rule || rule.basis === 'none') return null;
  const drop = c.result.circuits.find((x) => x.id === rule.id)?.effect?.drop;
  const picked = (
    <>
      <code data-testid="default-circuit">{rule.id}</code>
      {drop !== undefined && ` (logit drop ${fmt(drop)})`}
    </>
  );
  return (
    <p className={rule.basis === 'failing' ? 'check-failed' : 'muted'} data-testid="default-rule">
      {rule.basis === 'unmeasured' ? (
        <>Opens on the first circuit, {picked}: this file was written before circuits were measured, so none can be called most important.</>
      ) : (
        <>
          Opens on the most important circuit (★): the largest drop of the predicted logit when the circuit alone is zeroed, among the circuits that beat random neurons of the same layers
          (verdict ✓). {rule.basis === 'passing' ? <>Here: {picked}.</> : <>No circuit of this query passes that check, so the page opens on the largest drop, {picked}, which fails it.</>}
        </>
      )}
    </p>
  );
}
