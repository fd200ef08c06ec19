/**
 * The explorer's live-intervention URL parameter (`#/image/3?iv=…`), parsed and written by this one
 * module so the app, the tests and the README agree. Pure (no Node imports): the browser bundle
 * uses it.
 *
 * Grammar: TERM[;TERM…], TERM = LAYER:CHANNELS[*FACTOR]; CHANNELS = C or A-B (inclusive), comma
 * separated; FACTOR a finite number, 0 when omitted (ablation). LAYER is a run layer id,
 * percent-encoded where it holds `%`, `;`, `*` or `,` (the channel list follows its LAST colon, so
 * ids holding colons need no escaping). `layer1.0:3,5*0;layer4.1:0-7*0.5` zeroes two neurons of
 * layer1.0 and halves eight of layer4.1. A neuron named by two terms takes the later factor.
 */
import { serverMessages } from '../messages/server.js';

/** One term: these channels of this layer scaled by `factor`. */
export interface InterventionTerm {
  layer: string;
  /** Ascending, each once. */
  channels: number[];
  factor: number;
}

/** The URL query parameter carrying the intervention. */
export const INTERVENTION_PARAM = 'iv';

/** Most channels one URL may name (a guard against `0-999999999`). */
export const MAX_INTERVENTION_CHANNELS = 65_536;

export type ParsedIntervention = { ok: true; terms: InterventionTerm[] } | { ok: false; error: string };

function parseChannels(text: string, term: string, budget: number): number[] | string {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const m = /^(\d{1,9})(?:-(\d{1,9}))?$/.exec(item.trim());
    if (!m) return serverMessages.badInterventionTerm(term, 'channels are integers or ranges A-B, comma separated');
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) return serverMessages.badInterventionTerm(term, `the range ${item.trim()} runs backwards`);
    if (out.size + (to - from + 1) > budget) return serverMessages.tooManyInterventionChannels(MAX_INTERVENTION_CHANNELS);
    for (let c = from; c <= to; c++) out.add(c);
  }
  return [...out].sort((a, b) => a - b);
}

function parseTerm(text: string, budget: number): InterventionTerm | string {
  const star = text.lastIndexOf('*');
  const head = star < 0 ? text : text.slice(0, star);
  const factorText = star < 0 ? '0' : text.slice(star + 1).trim();
  const factor = factorText === '' ? NaN : Number(factorText);
  if (!Number.isFinite(factor)) return serverMessages.badInterventionTerm(text, `the factor after * must be a finite number (0 zeroes, 2 doubles)`);
  const colon = head.lastIndexOf(':');
  if (colon <= 0) return serverMessages.badInterventionTerm(text, 'write LAYER:CHANNELS[*FACTOR]');
  let layer: string;
  try {
    layer = decodeURIComponent(head.slice(0, colon).trim());
  } catch {
    return serverMessages.badInterventionTerm(text, 'the layer id holds malformed percent-encoding');
  }
  const channels = parseChannels(head.slice(colon + 1), text, budget);
  if (typeof channels === 'string') return channels;
  // -0 and 0 are the same mask; keep the URL free of "-0".
  return { layer, channels, factor: factor === 0 ? 0 : factor };
}

/** Parses the decoded value of the `iv` parameter (empty or absent: no intervention). */
export function parseIntervention(text: string | null | undefined): ParsedIntervention {
  const terms: InterventionTerm[] = [];
  let budget = MAX_INTERVENTION_CHANNELS;
  for (const part of (text ?? '').split(';')) {
    if (part.trim() === '') continue;
    const term = parseTerm(part.trim(), budget);
    if (typeof term === 'string') return { ok: false, error: term };
    budget -= term.channels.length;
    terms.push(term);
  }
  return { ok: true, terms };
}

/** `0,1,2,3,7` → `0-3,7`: runs of three or more become ranges. */
function channelsText(channels: readonly number[]): string {
  const sorted = [...new Set(channels)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    if (j - i >= 2) parts.push(`${sorted[i]}-${sorted[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(sorted[k]));
    i = j + 1;
  }
  return parts.join(',');
}

/** The `iv` value of `terms` (decoded form); terms with no channels are left out. */
export function serialiseIntervention(terms: readonly InterventionTerm[]): string {
  return terms
    .filter((t) => t.channels.length > 0)
    .map((t) => {
      const layer = t.layer.replace(/[%;*,]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
      return `${layer}:${channelsText(t.channels)}${t.factor === 0 ? '' : `*${t.factor}`}`;
    })
    .join(';');
}

/**
 * The `?iv=…` query of a page URL for `terms` ('' when there is none). Encoded for a URL but with
 * `:`, `,`, `;` and `*` left readable — all legal in a fragment and a query.
 */
export function interventionQuery(terms: readonly InterventionTerm[]): string {
  const value = serialiseIntervention(terms);
  if (value === '') return '';
  const encoded = encodeURIComponent(value).replace(/%3A/gi, ':').replace(/%2C/gi, ',').replace(/%3B/gi, ';');
  return `?${INTERVENTION_PARAM}=${encoded}`;
}

/** What {@link interventionScales} needs of a layer (a manifest LayerRecord fits). */
export interface ScalableLayer {
  id: string;
  channels: number;
}

/**
 * Per-layer factor vectors for `terms` (only layers some term touches; 1 for untouched channels),
 * or the one-line problem: an unknown layer or a channel out of range.
 */
export function interventionScales(terms: readonly InterventionTerm[], layers: readonly ScalableLayer[]): { ok: true; scales: Map<string, Float32Array> } | { ok: false; error: string } {
  const byId = new Map(layers.map((l) => [l.id, l]));
  const scales = new Map<string, Float32Array>();
  for (const term of terms) {
    const layer = byId.get(term.layer);
    if (!layer) return { ok: false, error: serverMessages.unknownInterventionLayer(term.layer, layers.map((l) => l.id)) };
    const bad = term.channels.find((c) => c >= layer.channels);
    if (bad !== undefined) return { ok: false, error: serverMessages.interventionChannelRange(term.layer, bad, layer.channels) };
    let values = scales.get(layer.id);
    if (!values) scales.set(layer.id, (values = new Float32Array(layer.channels).fill(1)));
    for (const c of term.channels) values[c] = term.factor;
  }
  return { ok: true, scales };
}
