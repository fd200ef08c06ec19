// #/circuits — the circuit queries of the run, the aggregate ablation check and the common path.
import type { CircuitsResponse, CommonFile } from '../contract.js';
import { fileUrl, useApi } from '../data.js';
import { links, usePageTitle } from '../router.js';
import { Loaded } from '../components/Status.js';
import { ImageBox } from '../components/ImageBox.js';
import { EvalSummary } from '../components/EvalSummary.js';
import { fmt } from '../format.js';

export function CircuitsPage() {
  usePageTitle('Circuits');
  const state = useApi<CircuitsResponse>('/api/circuits');
  return (
    <>
      <h1>Circuits</h1>
      <Loaded state={state} what="circuits">
        {(c) =>
          c.queries.length === 0 ? (
            <p className="muted">This run has no circuits (run `npx neurolens circuits`).</p>
          ) : (
            <>
              <p className="muted">
                Each query's page opens on its most important circuit: the largest drop of the predicted logit when the circuit alone is zeroed, among the circuits that beat random neurons of
                the same layers; where none does, the largest drop, marked ✗.
              </p>
              <table data-testid="circuit-queries">
                <thead>
                  <tr>
                    <th>query</th>
                    <th>image</th>
                    <th className="num">circuits</th>
                    <th title="the largest logit drop (circuit alone zeroed) among circuits that beat random neurons; else the largest drop, failing">opens on (most important)</th>
                    <th className="num">nodes</th>
                    <th className="num">edges</th>
                    <th>diagnosis</th>
                    <th>evaluated</th>
                    <th>report</th>
                  </tr>
                </thead>
                <tbody>
                  {c.queries.map((q) => (
                    <tr key={q.name}>
                      <td>
                        <a href={links.circuit(q.name)} data-testid="circuit-link">
                          {q.name}
                        </a>
                      </td>
                      <td>
                        {q.query.index !== undefined && <ImageBox index={q.query.index} px={40} alt={q.query.image} />} <span className="muted">{q.query.image}</span>
                      </td>
                      <td className="num">{q.circuits}</td>
                      <td data-testid="query-default">
                        {q.default?.id ? (
                          <span className={q.default.basis === 'failing' ? 'check-failed' : undefined}>
                            <code>{q.default.id}</code>
                            {q.default.drop !== null && ` drop ${fmt(q.default.drop)}`}
                            {q.default.basis === 'passing' ? ' ✓' : q.default.basis === 'failing' ? ' ✗ none beats random' : ''}
                          </span>
                        ) : (
                          '—'
                        )}
                      </td>
                      <td className="num">{q.nodes}</td>
                      <td className="num">{q.edges}</td>
                      <td>{q.diagnosis ? '✓' : ''}</td>
                      <td>{q.eval ? '✓' : ''}</td>
                      <td>{q.report && <a href={fileUrl(q.report)}>html</a>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {c.eval && (
                <>
                  <h2>Ablation check (all evaluated queries)</h2>
                  <EvalSummary summary={c.eval.summary} />
                </>
              )}
              {c.common && (
                <>
                  <h2>Common path</h2>
                  <CommonPath common={c.common} />
                </>
              )}
            </>
          )
        }
      </Loaded>
    </>
  );
}

function CommonPath({ common }: { common: CommonFile }) {
  const path: Partial<CommonFile['nodes'][number]>[] = Array.isArray(common.nodes) ? common.nodes : [];
  if (path.length === 0) return <p className="muted">No path is shared by all the queries.</p>;
  return (
    <p>
      {path.map((n, i) => (
        <span key={i}>
          {i > 0 && ' → '}
          {n.layer !== undefined && n.channel !== undefined ? <a href={links.neuron(n.layer, n.channel)}>{`${n.layer} #${n.channel}`}</a> : JSON.stringify(n)}
        </span>
      ))}
    </p>
  );
}
