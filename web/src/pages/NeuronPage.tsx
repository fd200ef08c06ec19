// #/neuron/LAYER/C — one neuron: exemplars with regions and heatmaps, histogram, images across the
// distribution, ablation class effects, correlated neurons, visualisation, concepts, probes, circuits.
import { useMemo, useState } from 'react';
import type { NeuronResponse, OverviewResponse } from '../contract.js';
import { api, fileUrl, useApi } from '../data.js';
import { links, usePageTitle } from '../router.js';
import { Loaded } from '../components/Status.js';
import { ImageBox } from '../components/ImageBox.js';
import { Histogram } from '../components/Histogram.js';
import { fmt, pct } from '../format.js';
import { AblationSection, CorrelationSection, DistributionSection, HeatmapSection, VisualizationSection } from '../components/NeuronSections.js';

export function NeuronPage({ layer, channel }: { layer: string; channel: number }) {
  usePageTitle(`Neuron ${layer} #${channel}`);
  const state = useApi<NeuronResponse>(api('neuron', layer, channel));
  const overview = useApi<OverviewResponse>('/api/overview');
  const size = overview.data ? ([overview.data.model.inputSize.height, overview.data.model.inputSize.width] as const) : undefined;
  return (
    <>
      <h1>
        Neuron <a href={links.layer(layer)}>{layer}</a> #{channel}
      </h1>
      <Loaded state={state} what="the neuron">
        {(n) => <NeuronBody n={n} size={size} />}
      </Loaded>
    </>
  );
}

const CONCEPTS_SHOWN = 15;

/** The neuron's label with its evidence: enrichment q and overlap, or the dissection IoU; or "unlabelled". */
function LabelLine({ label }: { label: NonNullable<NeuronResponse['label']> }) {
  const e = label.evidence;
  const counts = e && `${e.overlap} of ${e.topK} top images in a concept of ${e.conceptSize} / ${e.dataset} images, q ${fmt(e.q)}`;
  if (label.text === null) {
    return (
      <p data-testid="neuron-label">
        <strong>unlabelled</strong> <span className="muted">(no concept significantly enriched among the top images{e?.best ? `; best "${e.best}": ${counts}` : ''})</span>
      </p>
    );
  }
  const how = e ? `enrichment: ${counts}, F1 ${fmt(label.score)}` : `${label.source === 'dissection' ? 'network dissection' : 'caption label'}${label.score !== null ? `, score ${fmt(label.score)}` : ''}`;
  return (
    <p data-testid="neuron-label">
      <strong>{label.text}</strong> <span className="muted">({how})</span>
    </p>
  );
}

function NeuronBody({ n, size }: { n: NeuronResponse; size?: readonly [number, number] }) {
  const marks = useMemo(() => [{ label: 'q99', value: n.stats.q99 }], [n.stats.q99]);
  // Broad clusters first; a large run can put a neuron in hundreds of level-1 groups.
  const concepts = useMemo(() => [...n.concepts].sort((a, b) => b.level - a.level || b.images - a.images), [n.concepts]);
  const [allConcepts, setAllConcepts] = useState(false);
  const shownConcepts = allConcepts ? concepts : concepts.slice(0, CONCEPTS_SHOWN);
  return (
    <div data-testid="neuron">
      <nav className="toolbar" aria-label="neighbouring neurons">
        {n.channel > 0 && <a href={links.neuron(n.layer, n.channel - 1)}>← #{n.channel - 1}</a>}
        <span className="muted">
          {n.channel + 1} of {n.channels}
        </span>
        {n.channel + 1 < n.channels && <a href={links.neuron(n.layer, n.channel + 1)}>#{n.channel + 1} →</a>}
      </nav>
      <div className="panel">
        {n.label && <LabelLine label={n.label} />}
        <p data-testid="neuron-pooling">
          Every activation on this page is <strong>{n.pooling}</strong>-pooled over positions (stats, histogram, exemplars, quantiles, correlations) unless a section says otherwise.
        </p>
        <p>
          Activation rate <strong data-testid="activation-rate">{pct(n.stats.rate)}</strong> (share of images where it is among its layer&apos;s top 10 %); {n.pooling} pooling: mean {fmt(n.stats.mean)} ± {fmt(n.stats.std)}, q50 {fmt(n.stats.q50)}, q90 {fmt(n.stats.q90)},
          q99 {fmt(n.stats.q99)}, max {fmt(n.stats.max)}.
        </p>
      </div>

      <h2>Top images ({n.pooling} pooling)</h2>
      {n.sprite && <img className="sprite" src={fileUrl(n.sprite)} alt={`region crops of the top images of ${n.layer} #${n.channel}`} data-testid="sprite" />}
      {n.sprite && n.spritePooling !== n.pooling && <p className="muted">The crops above are the neurons stage&apos;s top images by {n.spritePooling ?? 'another'} pooling.</p>}
      <div className="grid" data-testid="exemplars">
        {n.exemplars.map((e, rank) => (
          <a key={e.index} className="exemplar" href={links.image(e.index)} title={e.path}>
            <ImageBox index={e.index} size={size} boxes={e.box ? [e.box] : []} alt={`top ${rank + 1}: ${e.path}`} testId="exemplar-img" />
            <span>{fmt(e.activation)}</span>
          </a>
        ))}
      </div>
      <p className="muted">{n.exemplarSource === 'neurons' ? 'Exemplars and regions from the neurons stage.' : 'Top images by recorded activation.'}</p>

      <h2>Where it looks on its top images</h2>
      <HeatmapSection n={n} />

      <h2>Activation histogram ({n.pooling} pooling)</h2>
      <Histogram edges={n.histogram.edges} counts={n.histogram.counts} marks={marks} />

      <h2>Images across its activations</h2>
      <DistributionSection n={n} size={size} />

      <h2>Classes its ablation moves</h2>
      <AblationSection n={n} />

      <h2>Correlated neurons</h2>
      <CorrelationSection n={n} />

      <h2>Feature visualisation</h2>
      <VisualizationSection n={n} />

      <h2>Concepts</h2>
      {n.concepts.length === 0 ? (
        <p className="muted">No concept cluster&apos;s neuron group holds this neuron.</p>
      ) : (
        <table data-testid="neuron-concepts">
          <thead>
            <tr>
              <th>cluster</th>
              <th>level</th>
              <th>caption</th>
              <th className="num">group size</th>
              <th className="num">images</th>
              <th>difference neuron</th>
            </tr>
          </thead>
          <tbody>
            {shownConcepts.map((c) => (
              <tr key={c.id}>
                <td>
                  <a href={links.concepts(n.layer, c.id)}>{c.id}</a>
                </td>
                <td>{c.level}</td>
                <td>{c.caption}</td>
                <td className="num">{c.groupSize}</td>
                <td className="num">{c.images}</td>
                <td>{c.difference ? 'yes' : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {concepts.length > CONCEPTS_SHOWN && (
        <button type="button" onClick={() => setAllConcepts(!allConcepts)} aria-expanded={allConcepts}>
          {allConcepts ? `show the first ${CONCEPTS_SHOWN}` : `show all ${concepts.length} clusters`}
        </button>
      )}

      <h2>Probes</h2>
      {n.probes.length === 0 ? (
        <p className="muted">No probe result names this neuron.</p>
      ) : (
        <table data-testid="neuron-probes">
          <thead>
            <tr>
              <th>concept</th>
              <th>role</th>
              <th className="num">rank</th>
              <th className="num">test AUC</th>
              <th className="num">held-in AUC</th>
              <th className="num">weight</th>
            </tr>
          </thead>
          <tbody>
            {n.probes.map((p) => (
              <tr key={`${p.concept}|${p.role}|${p.pooling}`}>
                <td>{p.concept}</td>
                <td>{p.role === 'best-single' ? 'best single neuron' : 'top neuron'}</td>
                <td className="num">{p.rank}</td>
                <td className="num">{fmt(p.auc)}</td>
                <td className="num">{fmt(p.heldInAuc)}</td>
                <td className="num">{fmt(p.weight)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Circuits</h2>
      {n.circuits.length === 0 ? (
        <p className="muted">Not part of any stored circuit.</p>
      ) : (
        <ul data-testid="neuron-circuits">
          {n.circuits.map((c) => (
            <li key={`${c.name}|${c.circuit}`}>
              <a href={links.circuit(c.name, c.circuit)} data-testid="neuron-circuit-link">
                {c.name}
              </a>{' '}
              circuit <code>{c.circuit}</code>
              {c.root ? ' (root)' : ''}
              {c.act !== null && <span className="muted"> · activation {fmt(c.act)}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
