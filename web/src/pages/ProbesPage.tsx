// #/probes[/LAYER] — how well each probed layer's neurons read the labelled concepts: per concept the
// multi-neuron probe's test AUC with its 95 % interval and its check, the sparse-k curves, and the
// top neurons linked to their pages. A probe that fails its check is shown as failing.
import { useState } from 'react';
import type { ProbeConceptView, ProbeLayerResponse, ProbesResponse } from '../contract.js';
import { api, fileUrl, useApi } from '../data.js';
import { links, usePageTitle } from '../router.js';
import { Loaded } from '../components/Status.js';
import { AucChart, SparseChart, VERDICTS } from '../components/ProbeCharts.js';
import { score, scoreCi } from '../format.js';

export function ProbesPage({ layer }: { layer?: string }) {
  usePageTitle(layer ? `Probes ${layer}` : 'Probes');
  const state = useApi<ProbesResponse>('/api/probes');
  return (
    <>
      <h1>Probes</h1>
      <p className="muted">
        How well a layer&apos;s neurons predict each labelled concept on held-out images (the test split). A probe passes its check when the lower end of its test
        AUC&apos;s 95 % interval is above chance (0.5) and above the same probe trained on shuffled labels, and the concept has enough test positives to tell.
      </p>
      <Loaded state={state} what="probes">
        {(list) =>
          list.layers.length === 0 ? (
            <p className="muted" data-testid="no-probes">
              This run has no probes (run `npx neurolens probe --run RUN --labels FILE`).
            </p>
          ) : (
            <>
              <nav className="toolbar" aria-label="probed layers" data-testid="probe-layers">
                {list.layers.map((l) => (
                  <a key={l.layer} href={links.probes(l.layer)} aria-current={(layer ?? list.layers[0]!.layer) === l.layer ? 'page' : undefined} data-testid="probe-layer-link">
                    {l.layer} <span className="muted">({l.passed} pass, {l.failed} fail, {l.tooFew} too few)</span>
                  </a>
                ))}
                {list.report && <a href={fileUrl(list.report)}>probes report (HTML)</a>}
              </nav>
              <ProbeLayer layer={layer ?? list.layers[0]!.layer} />
            </>
          )
        }
      </Loaded>
    </>
  );
}

function ProbeLayer({ layer }: { layer: string }) {
  const state = useApi<ProbeLayerResponse>(api('probes', layer));
  return (
    <Loaded state={state} what={`probes of ${layer}`}>
      {(l) => <LayerBody l={l} />}
    </Loaded>
  );
}

const byAuc = (a: ProbeConceptView, b: ProbeConceptView) => (b.auc ?? -1) - (a.auc ?? -1) || (a.name < b.name ? -1 : 1);

function LayerBody({ l }: { l: ProbeLayerResponse }) {
  const rows = [...l.probes].sort(byAuc);
  const [focusName, setFocus] = useState<string | undefined>(l.headline?.best?.concept ?? rows.find((p) => p.check.verdict === 'pass')?.name ?? rows[0]?.name);
  const focus = l.probes.find((p) => p.name === focusName);
  return (
    <div data-testid="probe-layer">
      <h2>
        {l.layer} <span className="muted">· {l.channels} neurons · {l.pooling} pooling · {l.images} images</span>
      </h2>
      <p data-testid="probe-headline">
        {l.headline?.best ? (
          <>
            Best read concept (≥ {l.minTestPositives} test positives): <strong>{l.headline.best.concept}</strong>, test AUC {scoreCi(l.headline.best.auc, l.headline.best.aucCi)}.
          </>
        ) : (
          <>No concept has {l.minTestPositives} or more test positives, so none is named best.</>
        )}{' '}
        {l.concepts} concepts: {l.passed} pass, {l.failed} fail, {l.tooFew} with too few test positives.
      </p>
      <div className="grid">
        <AucChart probes={l.probes} layer={l.layer} />
        <div>
          <SparseChart probes={l.probes} layer={l.layer} />
          {focus && <FocusPanel layer={l.layer} p={focus} />}
        </div>
      </div>
      <ProbeTable layer={l.layer} rows={rows} focus={focusName} onFocus={setFocus} />
    </div>
  );
}

function ProbeTable({ layer, rows, focus, onFocus }: { layer: string; rows: ProbeConceptView[]; focus?: string; onFocus: (name: string) => void }) {
  return (
    <table data-testid="probe-table">
      <thead>
        <tr>
          <th>concept</th>
          <th className="num">positives (test)</th>
          <th className="num">test AUC [95 % CI]</th>
          <th className="num">shuffled-label AUC</th>
          <th className="num">best single neuron: AUC</th>
          <th className="num">sparse k</th>
          <th>top neurons</th>
          <th>check</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((p) => {
          const failing = p.check.verdict !== 'pass';
          return (
            <tr key={p.name} className={failing ? 'check-failed' : undefined} data-testid={failing ? 'probe-row-failed' : 'probe-row'} aria-selected={p.name === focus}>
              <td>
                <button type="button" className="link" onClick={() => onFocus(p.name)} title="show this concept's sparse-k curve and top neurons">
                  {p.name}
                </button>
              </td>
              <td className="num">
                {p.positives} ({p.testPositives})
              </td>
              <td className="num nowrap" data-testid="probe-auc">
                {scoreCi(p.auc, p.aucCi)}
              </td>
              <td className="num">{score(p.shuffledAuc)}</td>
              <td className="num">
                <a href={links.neuron(layer, p.singleNeuron.neuron)}>#{p.singleNeuron.neuron}</a>: {score(p.singleNeuron.auc)}
              </td>
              <td className="num">{p.sparse.k ?? '—'}</td>
              <td>
                {p.topNeurons.slice(0, 5).map((n) => (
                  <a key={n.neuron} className="chip" href={links.neuron(layer, n.neuron)} data-testid="probe-top-neuron" title={`test AUC ${score(n.auc)}, weight ${score(n.weight)}`}>
                    #{n.neuron}
                  </a>
                ))}
              </td>
              <td>
                <Check p={p} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Check({ p }: { p: ProbeConceptView }) {
  const v = VERDICTS[p.check.verdict];
  return (
    <span className={p.check.verdict === 'pass' ? undefined : 'check-failed'} data-testid={p.check.verdict === 'pass' ? 'probe-check-passed' : 'probe-check-failed'} title={p.check.reason}>
      {v.label}
      <div className="muted">{p.check.reason}</div>
    </span>
  );
}

/** One concept: its own sparse-k curve with the target, and its top neurons with their numbers. */
function FocusPanel({ layer, p }: { layer: string; p: ProbeConceptView }) {
  return (
    <div className="panel" data-testid="probe-focus">
      <SparseChart probes={[p]} layer={layer} focus={p} />
      <table>
        <thead>
          <tr>
            <th>top neuron</th>
            <th className="num">AUC (train + val)</th>
            <th className="num">test AUC</th>
            <th className="num">weight</th>
          </tr>
        </thead>
        <tbody>
          {p.topNeurons.map((n) => (
            <tr key={n.neuron}>
              <td>
                <a href={links.neuron(layer, n.neuron)}>
                  {layer} #{n.neuron}
                </a>
              </td>
              <td className="num">{score(n.heldInAuc)}</td>
              <td className="num">{score(n.auc)}</td>
              <td className="num">{score(n.weight)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
