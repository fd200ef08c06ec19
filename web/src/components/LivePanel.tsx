// The image page's live intervention: scale any neuron set (typed, or one of the presets: the
// image's strongest neurons, its concept groups, its circuits) and see the top-5 change. The model
// runs in the browser (../live.ts); the intervention lives in the URL (`?iv=…`), so a view is shared
// by sharing its link.
import { useEffect, useState } from 'react';
import type { CircuitResponse, CircuitsResponse, ConceptsResponse, ImageResponse, LiveResponse } from '../contract.js';
import { INTERVENTION_PARAM, interventionQuery, interventionScales, parseIntervention, serialiseIntervention, type InterventionTerm } from '../../../src/server/intervention-url.js';
import { serverMessages } from '../../../src/messages/server.js';
import type { Prediction } from '../../../src/record/predictions.js';
import { api, isStatic, load, useApi } from '../data.js';
import { hashQuery, setHashQuery, useHash } from '../router.js';
import { liveModel } from '../live.js';
import { fmt } from '../format.js';
import { ErrorBanner, Loaded } from './Status.js';

/** A named neuron set the user can scale with one click. */
interface Preset {
  kind: 'strongest' | 'concept' | 'circuit';
  name: string;
  terms: InterventionTerm[];
}

const FACTORS = [0, 0.5, 2, -1];

/** Terms of a neuron list, one per layer in first-seen order. */
function byLayer(neurons: readonly { layer: string; channel: number }[], factor: number): InterventionTerm[] {
  const out = new Map<string, number[]>();
  for (const n of neurons) out.set(n.layer, [...(out.get(n.layer) ?? []), n.channel]);
  return [...out].map(([layer, channels]) => ({ layer, channels: [...new Set(channels)].sort((a, b) => a - b), factor }));
}

/** Presets from the image's strongest neurons, concept groups and circuits (each loaded once). */
function usePresets(im: ImageResponse): Preset[] {
  const [more, setMore] = useState<Preset[]>([]);
  useEffect(() => {
    let live = true;
    void (async () => {
      const found: Preset[] = [];
      for (const c of im.concepts) {
        const doc = await load<ConceptsResponse>(api('concepts', c.layer)).catch(() => null);
        for (const step of c.path) {
          const cluster = doc?.clusters.find((k) => k.id === step.id);
          if (cluster && cluster.neurons.length > 0) found.push({ kind: 'concept', name: `${c.layer} L${step.level} · ${step.caption} (${cluster.neurons.length})`, terms: [{ layer: c.layer, channels: [...cluster.neurons].sort((a, b) => a - b), factor: 0 }] });
        }
      }
      const circuits = await load<CircuitsResponse>(api('circuits')).catch(() => null);
      for (const q of circuits?.queries.filter((q) => q.query.index === im.index) ?? []) {
        const detail = await load<CircuitResponse>(api('circuits', q.name)).catch(() => null);
        for (const c of detail?.result.circuits ?? []) found.push({ kind: 'circuit', name: `${q.name} · ${c.id} (${c.nodes.length})`, terms: byLayer(c.nodes, 0) });
      }
      if (live) setMore(found);
    })();
    return () => {
      live = false;
    };
  }, [im]);
  const strongest: Preset[] = im.strongest.map((s) => ({ kind: 'strongest', name: `top ${s.neurons.length} of ${s.layer}`, terms: [{ layer: s.layer, channels: s.neurons.map((n) => n.channel).sort((a, b) => a - b), factor: 0 }] }));
  return [...strongest, ...more];
}

export function LivePanel({ im }: { im: ImageResponse }) {
  if (isStatic()) return <p className="muted" data-testid="live-static">{serverMessages.liveStatic()}</p>;
  return <LiveBody im={im} />;
}

function LiveBody({ im }: { im: ImageResponse }) {
  const state = useApi<LiveResponse>('/api/live');
  return (
    <Loaded state={state} what="the live-intervention model">
      {(info) => (info.model.url === null ? <ErrorBanner error={info.model.problem ?? 'the model cannot be served'} /> : <LiveEditor im={im} info={info} />)}
    </Loaded>
  );
}

type Outcome = { base: Prediction; edited: Prediction; ms: number } | { error: string };

/** The top-5 with and without the intervention `text` on image `index` (null while running). */
function useOutcome(text: string, info: LiveResponse, index: number): Outcome | null {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  useEffect(() => {
    let live = true;
    setOutcome(null);
    void (async () => {
      try {
        const parsed = parseIntervention(text);
        if (!parsed.ok) throw new Error(parsed.error);
        const scales = interventionScales(parsed.terms, info.layers);
        if (!scales.ok) throw new Error(scales.error);
        const model = await liveModel(info);
        const input = await model.input(index);
        const base = await model.predict(input, new Map());
        const edited = scales.scales.size === 0 ? base : await model.predict(input, scales.scales);
        if (live) setOutcome({ base, edited, ms: edited.ms });
      } catch (e) {
        if (live) setOutcome({ error: e instanceof Error ? e.message : String(e) });
      }
    })();
    return () => {
      live = false;
    };
  }, [text, info, index]);
  return outcome;
}

function LiveEditor({ im, info }: { im: ImageResponse; info: LiveResponse }) {
  const hash = useHash();
  const text = hashQuery(hash).get(INTERVENTION_PARAM) ?? '';
  const [draft, setDraft] = useState(text);
  const [factor, setFactor] = useState(0);
  const outcome = useOutcome(text, info, im.index);
  const presets = usePresets(im);
  useEffect(() => setDraft(text), [text]);

  const apply = (terms: InterventionTerm[]) => setHashQuery(interventionQuery(terms));
  const applyDraft = () => {
    const parsed = parseIntervention(draft);
    // A malformed draft still goes to the URL: the error shows, and the link reproduces it.
    if (parsed.ok) apply(parsed.terms);
    else setHashQuery(`?${INTERVENTION_PARAM}=${encodeURIComponent(draft)}`);
  };
  const names = info.classNames;
  const label = (cls: number) => names?.[cls] ?? `class ${cls}`;

  return (
    <div className="panel" data-testid="live-panel">
      <p className="muted">
        The model runs in this browser (onnxruntime-web, {fmt(info.model.bytes / 2 ** 20, 1)} MiB), on the image as <code>record</code> preprocessed it. Write <code>LAYER:C[,C…][*FACTOR]</code> terms joined by <code>;</code> (channels may be ranges A-B; no factor means 0); the URL keeps the intervention.
      </p>
      <div className="toolbar">
        <input type="search" aria-label="intervention" data-testid="iv-input" value={draft} placeholder="layer4.1:3,17*0" onChange={(e) => setDraft(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && applyDraft()} />
        <button type="button" onClick={applyDraft} data-testid="iv-apply">
          apply
        </button>
        <button type="button" onClick={() => apply([])} disabled={text === ''}>
          reset
        </button>
        <label>
          presets scale by{' '}
          <select value={factor} onChange={(e) => setFactor(Number(e.target.value))} aria-label="preset factor">
            {FACTORS.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="chips" data-testid="iv-presets">
        {presets.map((p, i) => (
          <button key={i} type="button" className="chip" title={serialiseIntervention(p.terms)} onClick={() => apply(p.terms.map((t) => ({ ...t, factor })))}>
            {p.kind}: {p.name}
          </button>
        ))}
      </div>
      {outcome === null && (
        <p className="loading" data-testid="live-loading" role="status">
          Running the model…
        </p>
      )}
      {outcome !== null && 'error' in outcome && <ErrorBanner error={outcome.error} />}
      {outcome !== null && 'base' in outcome && <LiveTable outcome={outcome} label={label} text={text} />}
    </div>
  );
}

function LiveTable({ outcome, label, text }: { outcome: { base: Prediction; edited: Prediction; ms: number }; label: (cls: number) => string; text: string }) {
  const { base, edited } = outcome;
  const before = new Map(base.classes.map((c, i) => [c, base.scores[i]!]));
  return (
    <>
      <p data-testid="live-status">
        {text === '' ? 'No intervention: the unmodified model' : <>Intervention <code data-testid="iv-current">{text}</code></>} · {fmt(outcome.ms, 0)} ms in the browser ·{' '}
        <a href={window.location.href} data-testid="iv-link">
          link to this view
        </a>
      </p>
      <table data-testid="live-top5" data-iv={text}>
        <thead>
          <tr>
            <th>prediction</th>
            <th className="num">probability</th>
            <th className="num">unmodified</th>
          </tr>
        </thead>
        <tbody>
          {edited.classes.map((c, i) => (
            <tr key={c} data-testid="live-row" data-class={c} data-prob={edited.scores[i]}>
              <td>{label(c)}</td>
              <td className="num">{fmt(edited.scores[i])}</td>
              <td className="num">{before.has(c) ? fmt(before.get(c)) : 'not in top 5'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
