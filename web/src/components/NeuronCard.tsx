// One neuron of the layer grid: its feature visualisation with the check's verdict, a few of its
// strongest images, the label as its check allows (a failed or untested label is flagged, never
// shown as fact), activation rate, best probe AUC and circuit membership.
import { thumbUrl, type NeuronRow } from '../contract.js';
import { fileUrl, isStatic } from '../data.js';
import { fmt, pct } from '../format.js';
import { links } from '../router.js';

/** Card box in pixels (the grid's row virtualisation relies on fixed sizes). */
export const CARD_WIDTH = 212;
export const CARD_HEIGHT = 196;

function Visualization({ layer, n }: { layer: string; n: NeuronRow }) {
  const v = n.visualization;
  if (!v) {
    return (
      <div className="card-vis card-novis" data-testid="card-novis" title={`neurolens visualize --model MODEL --run RUN --layers ${layer} --neurons ${n.index}`}>
        no visualisation — run <code>neurolens visualize --layers {layer} --neurons {n.index}</code>
      </div>
    );
  }
  const check = v.check;
  const verdict = check === null ? 'not checked' : check.pass ? '✓ beats best image' : '✗ below best image';
  const detail = check === null ? 'not listed in visualize.json' : `activation ${fmt(check.activation)} vs best dataset image ${fmt(check.best)}`;
  return (
    <figure className="card-vis" title={detail}>
      <img src={fileUrl(v.image)} alt={`feature visualisation of neuron ${n.index}`} width={96} height={96} data-testid="card-vis" />
      <figcaption className={check?.pass ? 'check-pass' : 'check-failed'} data-testid="card-vis-check" data-pass={String(check?.pass ?? false)}>
        {verdict}
      </figcaption>
    </figure>
  );
}

function Label({ n }: { n: NeuronRow }) {
  const l = n.label;
  if (!l) return <span className="muted">no label</span>;
  const e = l.evidence;
  if (n.labelCheck === 'fail') {
    const best = e?.best ? `best “${e.best}”` : 'no candidate';
    return (
      <span className="check-failed" title={`not significant: ${best}, q = ${fmt(e?.q)} (${e?.overlap ?? 0} of ${e?.topK ?? 0} top images)`}>
        ✗ unlabelled ({best}, q {fmt(e?.q, 2)})
      </span>
    );
  }
  if (n.labelCheck === 'unchecked') {
    return (
      <span className="label-unchecked" title={`from ${l.source}; no significance test behind this label`}>
        ⚠ {l.text} (untested)
      </span>
    );
  }
  const how = e ? `q ${fmt(e.q, 3)}` : l.score !== null ? `IoU ${fmt(l.score, 2)}` : l.source;
  return (
    <span title={e ? `enrichment: ${e.overlap} of ${e.topK} top images, q = ${fmt(e.q)}` : `from ${l.source}`}>
      <strong>{l.text}</strong> <span className="muted">{how}</span>
    </span>
  );
}

export function NeuronCard({ layer, n }: { layer: string; n: NeuronRow }) {
  const circuits = n.circuits.length;
  return (
    <article className="neuron-card" data-testid="neuron-card" data-index={n.index} style={{ width: CARD_WIDTH, height: CARD_HEIGHT }}>
      <div className="card-head">
        <a href={links.neuron(layer, n.index)} data-testid="card-link">
          #{n.index}
        </a>
        <span className="muted" title="activation rate" data-testid="card-rate">
          {pct(n.rate)}
        </span>
      </div>
      <div className="card-body">
        <Visualization layer={layer} n={n} />
        <div className="card-exemplars" aria-label="strongest images">
          {n.exemplars.map((i, k) => (
            <img key={k} src={thumbUrl(i, 64, isStatic())} alt={`image ${i}`} width={46} height={46} loading="lazy" data-testid="card-exemplar" />
          ))}
        </div>
      </div>
      <div className="card-label" data-testid="card-label" data-check={n.labelCheck ?? 'none'}>
        <Label n={n} />
      </div>
      <div className="card-meta muted">
        <span data-testid="card-auc" title={n.probe ? `best probe AUC (concept “${n.probe.concept}”)` : 'no probe names this neuron'}>
          {n.probe ? `AUC ${fmt(n.probe.auc, 2)} ${n.probe.concept}` : 'no probe'}
        </span>
        {' · '}
        <span data-testid="card-circuits" title={n.circuits.join(', ')}>
          {circuits === 0 ? 'no circuit' : `${circuits} circuit${circuits === 1 ? '' : 's'}`}
        </span>
      </div>
    </article>
  );
}
