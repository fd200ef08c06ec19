/**
 * Neuron labels from RUN/neurons/dissection.json (NetDissect concepts) and RUN/neurons/labels.json
 * (caption labels). The reader is deliberately tolerant about the layout — a list of
 * `{layer, channel, label, score}` records, `{layers: [{id, neurons: [...]}]}`, or objects keyed
 * by layer id then channel — so the explorer keeps working as those files evolve. Label text is
 * taken from the first string among label/concept/caption/text/name; the score from the first
 * number among iou/score/agreement/share/confidence.
 */
import type { NeuronLabel } from './api.js';

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
    const text = typeof value === 'string' ? value : isObject(value) ? firstOf<string>(value, TEXT_KEYS, 'string') : undefined;
    if (text === undefined || text === '') return;
    const score = isObject(value) ? (firstOf<number>(value, SCORE_KEYS, 'number') ?? null) : null;
    if (!out.has(l)) out.set(l, new Map());
    const layerMap = out.get(l)!;
    if (!layerMap.has(channel)) layerMap.set(channel, { text, source, score });
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

/** Merges both files into one index (a dissection label wins over a caption label). */
export function parseNeuronLabels(dissection: Json, captions: Json): LabelIndex {
  const out: LabelIndex = new Map();
  if (dissection !== null) collect(dissection, undefined, 'dissection', out, 0);
  if (captions !== null) collect(captions, undefined, 'labels', out, 0);
  return out;
}
