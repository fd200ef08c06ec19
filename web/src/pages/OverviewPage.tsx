// #/ — the model, its layer catalogue, the dataset and which analyses the run holds.
import type { LayerRecord, OverviewResponse } from '../contract.js';
import { fileUrl, useApi } from '../data.js';
import { links, usePageTitle } from '../router.js';
import { Loaded } from '../components/Status.js';

function shape(layer: LayerRecord): string {
  if (layer.spatial) return `${layer.spatial[0]}×${layer.spatial[1]}`;
  if (layer.tokens) {
    const grid = layer.tokens.grid ? `${layer.tokens.grid[0]}×${layer.tokens.grid[1]}` : String(layer.tokens.count - layer.tokens.prefix);
    return layer.tokens.prefix > 0 ? `${layer.tokens.prefix}+${grid}` : grid;
  }
  return '—';
}

/** "none", or comma-separated links each followed by a muted detail in parentheses. */
function LinkList({ items, testId }: { items: { key: string; href: string; text: string; detail: string }[]; testId: string }) {
  if (items.length === 0) return <>none</>;
  return (
    <>
      {items.map((item, i) => (
        <span key={item.key}>
          {i > 0 && ', '}
          <a href={item.href} data-testid={testId}>
            {item.text}
          </a>{' '}
          <span className="muted">({item.detail})</span>
        </span>
      ))}
    </>
  );
}

export function OverviewPage() {
  usePageTitle('Overview');
  const state = useApi<OverviewResponse>('/api/overview');
  return (
    <>
      <h1>Overview</h1>
      <Loaded state={state} what="the run">
        {(o) => <OverviewBody o={o} />}
      </Loaded>
    </>
  );
}

function OverviewBody({ o }: { o: OverviewResponse }) {
  const conceptLayers = new Set(o.analyses.concepts.map((c) => c.layer));
  const a = o.analyses;
  return (
    <div data-testid="overview">
      <section className="panel" aria-labelledby="model-h">
        <h2 id="model-h">Model</h2>
        <p>
          <strong data-testid="model-file">{o.model.file}</strong> <span className="muted">sha256 {o.model.sha256.slice(0, 12)}…</span>
        </p>
        <p>
          Input <code>{o.model.input.name}</code> [{o.model.input.dims.join(', ')}] → {o.model.inputSize.channels}×{o.model.inputSize.height}×{o.model.inputSize.width} (
          {o.model.inputSize.layout}); {o.model.numClasses ?? '?'} classes. Run <code>{o.run.name}</code>, created {o.run.createdAt}, neurolens {o.run.neurolensVersion}.
        </p>
      </section>

      <h2>Layer catalogue</h2>
      <table data-testid="layer-table">
        <thead>
          <tr>
            <th>layer</th>
            <th>kind</th>
            <th className="num">neurons</th>
            <th>space / tokens</th>
            <th>default</th>
            <th>analyses</th>
          </tr>
        </thead>
        <tbody>
          {o.layers.map((l) => (
            <tr key={l.id}>
              <td>
                <a href={links.layer(l.id)} data-testid="layer-link">
                  {l.id}
                </a>
              </td>
              <td>{l.kind}</td>
              <td className="num">{l.channels}</td>
              <td>{shape(l)}</td>
              <td>{l.isDefault ? '✓' : ''}</td>
              <td>
                {conceptLayers.has(l.id) && <a href={links.concepts(l.id)}>concepts</a>}
                {a.probes.some((p) => p.layer === l.id) && (
                  <>
                    {' · '}
                    <a href={links.probes(l.id)}>probes</a>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Dataset</h2>
      <div className="panel" data-testid="dataset">
        <p>
          <strong>{o.dataset.count}</strong> images recorded from <code>{o.dataset.imageRoot}</code> ({o.dataset.listed} listed, {o.dataset.skipped} skipped).{' '}
          <a href={links.images()}>Browse images</a>
        </p>
        {o.dataset.skippedExamples.length > 0 && (
          <details>
            <summary>Skipped files</summary>
            <ul>
              {o.dataset.skippedExamples.map((s) => (
                <li key={s.path}>
                  <code>{s.path}</code>: {s.reason}
                </li>
              ))}
            </ul>
          </details>
        )}
      </div>

      <h2>Analyses</h2>
      <ul data-testid="analyses">
        <li>
          Concepts:{' '}
          <LinkList
            items={a.concepts.map((c) => ({ key: c.layer, href: links.concepts(c.layer), text: c.layer, detail: `${c.levels} levels, ${c.clusters} clusters` }))}
            testId="concepts-link"
          />
        </li>
        <li>
          Circuits:{' '}
          {a.circuits.queries === 0 ? (
            'none'
          ) : (
            <a href={links.circuits()} data-testid="circuits-link">
              {a.circuits.queries} queries
            </a>
          )}
          {a.circuits.eval && ', evaluated'}
          {a.circuits.diagnoses > 0 && `, ${a.circuits.diagnoses} diagnosed`}
          {a.circuits.common && ', common path'}
        </li>
        <li>
          Probes: <LinkList testId="probes-link" items={a.probes.map((p) => ({ key: p.layer, href: links.probes(p.layer), text: p.layer, detail: `${p.concepts} concepts, ${p.pooling}` }))} />
        </li>
        <li>
          Neuron labels: {a.neurons.dissection ? 'dissection' : ''}
          {a.neurons.labels ? (a.neurons.dissection ? ', captions' : 'captions') : ''}
          {!a.neurons.dissection && !a.neurons.labels && 'none'}
          {a.neurons.exemplarLayers.length > 0 && `; exemplar regions for ${a.neurons.exemplarLayers.join(', ')}`}
        </li>
        <li>
          Attribution:{' '}
          <LinkList
            items={a.attribution.map((r) => ({ key: r.name, href: links.attribution(r.name), text: r.name, detail: `${r.methods.join(', ')}; ${r.images} images${r.eval ? ', evaluated' : ''}` }))}
            testId="attribution-link"
          />
        </li>
        {a.reports.length > 0 && (
          <li>
            Reports:{' '}
            {a.reports.map((r, i) => (
              <span key={r}>
                {i > 0 && ', '}
                <a href={fileUrl(r)}>{r}</a>
              </span>
            ))}
          </li>
        )}
      </ul>
    </div>
  );
}
