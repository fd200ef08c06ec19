/**
 * Neuron labels from RUN/neurons/dissection.json (NetDissect concepts) and RUN/neurons/labels.json
 * (caption labels). The reader is deliberately tolerant about the layout — a list of
 * `{layer, channel, label, score}` records, `{layers: [{id, neurons: [...]}]}`, or objects keyed
 * by layer id then channel — so the explorer keeps working as those files evolve. Label text is
 * taken from the first string among label/concept/caption/text/name; the score from the first
 * number among iou/score/agreement/share/confidence. Enrichment entries (labels.json with `q` and
 * `evidence`) carry their evidence, and an unlabelled one is kept with a null text so the explorer
 * can say "unlabelled".
 */
import type { LabelEvidenceView, NeuronLabel } from './api.js';

/** layer id → channel → label. */
export type LabelIndex = Map<string, Map<number, NeuronLabel>>;

const TEXT_KEYS = ['label', 'concept', 'caption', 'text', 'name'];
const SCORE_KEYS = ['iou', 'score', 'agreement', 'share', 'confidence'];
const CHANNEL_KEYS = ['channel', 'unit', 'neuron'];
const SKIP_KEYS = ['settings', 'protocol', 'concepts', 'skippedLayers', 'source'];
const NEST_KEYS = ['layers', 'neurons', 'units', 'labels', 'results', 'channels'];

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

function firstOf<T>(obj: Record<string, Json>, keys: readonly string[], type: 'string' | 'number'): T | undefined {
  for (const k of keys) if (typeof obj[k] === type) return obj[k] as T;
  return undefined;
}

/** The evidence of an enrichment entry (`q` and `evidence` counts), or undefined for other layouts. */
function evidenceOf(value: Json): LabelEvidenceView | undefined {
  if (!isObject(value) || typeof value.q !== 'number' || !isObject(value.evidence)) return undefined;
  const e = value.evidence;
  const counts = ['overlap', 'topK', 'conceptSize', 'dataset'].map((k) => e[k]);
  if (!counts.every((c) => typeof c === 'number')) return undefined;
  const [overlap, topK, conceptSize, dataset] = counts as number[];
  const best = isObject(value.best) && typeof value.best.name === 'string' ? value.best.name : null;
  return { best, q: value.q, overlap: overlap!, topK: topK!, conceptSize: conceptSize!, dataset: dataset! };
}

function layerOf(obj: Record<string, Json>): string | undefined {
  if (typeof obj.layer === 'string') return obj.layer;
  if (isObject(obj.layer) && typeof obj.layer.id === 'string') return obj.layer.id;
  if (typeof obj.id === 'string' && !CHANNEL_KEYS.some((k) => k in obj)) return obj.id;
  return undefined;
}

function collect(node: Json, layer: string | undefined, source: NeuronLabel['source'], out: LabelIndex, depth: number): void {
  if (depth > 6) return;
  const add = (l: string | undefined, channel: number, value: Json) => {
    if (l === undefined || !Number.isInteger(channel) || channel < 0) return;
    const evidence = evidenceOf(value);
    const text = evidence ? (value as Record<string, Json>).label : typeof value === 'string' ? value : isObject(value) ? firstOf<string>(value, TEXT_KEYS, 'string') : undefined;
    if (evidence ? typeof text !== 'string' && text !== null : text === undefined || text === '') return;
    const score = isObject(value) ? (firstOf<number>(value, SCORE_KEYS, 'number') ?? null) : null;
    if (!out.has(l)) out.set(l, new Map());
    const layerMap = out.get(l)!;
    if (!layerMap.has(channel)) layerMap.set(channel, { text: text as string | null, source, score, ...(evidence ? { evidence } : {}) });
  };
  if (Array.isArray(node)) {
    node.forEach((item, i) => {
      if (isObject(item)) {
        const channel = firstOf<number>(item, CHANNEL_KEYS, 'number');
        const itemLayer = layerOf(item) ?? layer;
        if (channel !== undefined) add(itemLayer, channel, item);
        else if (NEST_KEYS.some((k) => k in item)) collect(item, itemLayer, source, out, depth + 1);
        else if (layer !== undefined) add(layer, i, item);
      } else if (typeof item === 'string') add(layer, i, item);
    });
    return;
  }
  if (!isObject(node)) return;
  const own = layerOf(node) ?? layer;
  for (const [key, value] of Object.entries(node)) {
    if (NEST_KEYS.includes(key)) collect(value, own, source, out, depth + 1);
    else if (own !== undefined && /^\d+$/.test(key)) add(own, Number(key), value);
    else if (layer === undefined && (isObject(value) || Array.isArray(value)) && !SKIP_KEYS.includes(key)) collect(value, key, source, out, depth + 1);
  }
}

/**
 * Merges both files into one index: a significant enrichment label (with evidence) first, then a
 * dissection label, then any other labels.json entry (an unlabelled enrichment entry, or an older
 * caption label without evidence).
 */
export function parseNeuronLabels(dissection: Json, captions: Json): LabelIndex {
  const out: LabelIndex = new Map();
  const labels: LabelIndex = new Map();
  if (dissection !== null) collect(dissection, undefined, 'dissection', out, 0);
  if (captions !== null) collect(captions, undefined, 'labels', labels, 0);
  for (const [layer, channels] of labels) {
    if (!out.has(layer)) out.set(layer, new Map());
    const layerMap = out.get(layer)!;
    for (const [channel, label] of channels) if (!layerMap.has(channel) || (label.evidence && label.text !== null)) layerMap.set(channel, label);
  }
  return out;
}
