/**
 * `/api/layers/:layer/neurons`: a page of one layer's neurons carrying what a card of the
 * explorer's layer grid shows — stats, the label with its check, a few exemplar images, the feature
 * visualisation with its check, the best probe AUC and the circuits holding the neuron. Rows are
 * built for the whole layer (cheap: every source is a cached file or one folder listing), filtered
 * and sorted there, and only the requested page travels.
 */
import type { ExemplarsFile } from '../neurons/types.js';
import type { ProbeLayer } from '../probes/layer-probes.js';
import { layerFileStem } from '../record/layout.js';
import type { Pooling } from '../record/types.js';
import type { VisualizeLayerFile } from '../visualize/types.js';
import { serverMessages } from '../messages/index.js';
import { NEURON_SORTS, neuronMatches, ROW_EXEMPLARS, type LabelCheck, type NeuronFilter, type NeuronLabel, type NeuronRow, type NeuronSort, type NeuronsPage, type CardVisualization } from './api.js';
import { neuronKey } from './circuit-index.js';
import { badRequest } from './http-error.js';
import { pageOf } from './paging.js';
import type { RunIndex } from './run-index.js';

/** The label's check (see NeuronRow.labelCheck): only an enrichment or dissection label has a test behind it. */
export function labelCheckOf(label: NeuronLabel | null): LabelCheck | null {
  if (!label) return null;
  if (label.evidence) return label.text === null ? 'fail' : 'pass';
  // Dissection writes a label only when its IoU clears the minimum; an unlabelled unit is absent.
  return label.source === 'dissection' ? 'pass' : 'unchecked';
}

function share(query: URLSearchParams, name: string): number | null {
  const text = query.get(name);
  if (text === null || text.trim() === '') return null;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw badRequest(serverMessages.badShare(name, text));
  return value;
}

/** The filters of a request, validated. */
export function filterOf(query: URLSearchParams): NeuronFilter {
  const circuit = query.get('circuit');
  return { q: (query.get('q') ?? '').trim(), minRate: share(query, 'minRate'), maxRate: share(query, 'maxRate'), minAuc: share(query, 'minAuc'), circuit: circuit === null || circuit === '' ? null : circuit };
}

/** Channel → its strongest images: neurons/exemplars.LAYER.json when present, else the stats top-k. */
async function exemplarLists(run: RunIndex, layerId: string, pooling: Pooling, channels: number): Promise<(channel: number) => number[]> {
  const doc = await run.json<ExemplarsFile>(run.exemplarsFile(layerId));
  const byChannel = new Map<number, number[]>();
  for (const n of Array.isArray(doc?.neurons) ? doc.neurons : []) if (Array.isArray(n.images)) byChannel.set(n.channel, n.images.slice(0, ROW_EXEMPLARS));
  const topk = byChannel.size < channels ? await run.topk(layerId, pooling).catch(() => null) : null;
  return (c) => {
    const listed = byChannel.get(c);
    if (listed) return listed;
    if (!topk) return [];
    return Array.from(topk.data.subarray(c * topk.k, c * topk.k + Math.min(topk.k, ROW_EXEMPLARS))).filter((i) => i >= 0);
  };
}

/**
 * Channel → its visualisation. The PNG path is made from the layer and channel, never read from
 * visualize.json, and offered only when the run folder lists it (links leading out of the run are
 * not listed), so the app can only point /files/ at a real file inside RUN.
 */
async function visualizations(run: RunIndex, layerId: string): Promise<Map<number, CardVisualization>> {
  const folder = `visualize/${layerFileStem(layerId)}`;
  const [entries, doc] = await Promise.all([run.list(folder), run.json<VisualizeLayerFile>(`${folder}/visualize.json`)]);
  const checks = new Map<number, CardVisualization['check']>();
  if (doc?.format === 'neurolens-visualize' && doc.layer === layerId && Array.isArray(doc.neurons)) {
    for (const n of doc.neurons) checks.set(n.neuron, { pass: n.pass === true, activation: n.activation, best: n.best?.activation ?? NaN });
  }
  const out = new Map<number, CardVisualization>();
  for (const e of entries) {
    const m = /^(\d{1,9})\.png$/.exec(e.name);
    if (m && !e.dir) out.set(Number(m[1]), { image: `${folder}/${e.name}`, check: checks.get(Number(m[1])) ?? null });
  }
  return out;
}

/** Channel → the best test AUC among the probes naming it (best single neuron or a top neuron). */
async function bestProbes(run: RunIndex, layerId: string): Promise<Map<number, { concept: string; auc: number }>> {
  const out = new Map<number, { concept: string; auc: number }>();
  const offer = (neuron: number, concept: string, auc: number | null) => {
    if (auc === null || !Number.isFinite(auc)) return;
    const had = out.get(neuron);
    if (!had || auc > had.auc) out.set(neuron, { concept, auc });
  };
  for (const file of await run.probeFiles()) {
    const doc = await run.json<ProbeLayer>(file);
    if (doc?.layer?.id !== layerId || !Array.isArray(doc.concepts)) continue;
    for (const concept of doc.concepts) {
      const single = concept.probes?.singleNeuron;
      if (single) offer(single.neuron, concept.name, single.test?.auc ?? null);
      for (const n of concept.topNeurons ?? []) offer(n.neuron, concept.name, n.auc);
    }
  }
  return out;
}

const labelKey = (n: NeuronRow): string | null => (n.label?.text && n.labelCheck !== 'fail' ? n.label.text.toLowerCase() : null);

/** Compares two rows in `sort` order; ties go to the lower index so pages are stable. */
function compare(sort: NeuronSort): (a: NeuronRow, b: NeuronRow) => number {
  const desc = (key: (n: NeuronRow) => number) => (a: NeuronRow, b: NeuronRow) => key(b) - key(a) || a.index - b.index;
  switch (sort) {
    case 'index':
      return (a, b) => a.index - b.index;
    case 'rate':
      return desc((n) => n.rate);
    case 'maxact':
      return desc((n) => n.max);
    case 'auc':
      return desc((n) => n.probe?.auc ?? -1);
    case 'circuits':
      return desc((n) => n.circuits.length);
    case 'label':
      // Shown labels A–Z, then failed checks and unlabelled neurons.
      return (a, b) => {
        const [x, y] = [labelKey(a), labelKey(b)];
        if (x !== y) return x === null ? 1 : y === null ? -1 : x < y ? -1 : 1;
        return a.index - b.index;
      };
  }
}

export async function neuronsPage(run: RunIndex, layerId: string, query: URLSearchParams): Promise<NeuronsPage> {
  const layer = run.layer(layerId);
  const pooling = run.pooling(query.get('pooling'));
  const sort = (query.get('sort') || 'index') as NeuronSort;
  if (!NEURON_SORTS.includes(sort)) throw badRequest(`sort must be one of ${NEURON_SORTS.join(', ')}`);
  const filter = filterOf(query);
  const [stats, scan, labels, circuits, probes, visuals] = await Promise.all([
    run.stats(layer.id, pooling),
    run.scan(layer.id, pooling),
    run.labels(),
    run.circuits(),
    bestProbes(run, layer.id),
    visualizations(run, layer.id),
  ]);
  const channels = stats.channels;
  const exemplars = await exemplarLists(run, layer.id, pooling, channels);
  const layerLabels = labels.get(layer.id);
  const all: NeuronRow[] = Array.from({ length: channels }, (_, c) => {
    const label = layerLabels?.get(c) ?? null;
    const held = circuits.byNeuron.get(neuronKey(layer.id, c)) ?? [];
    return {
      index: c,
      rate: stats.get(c, 'rate'),
      mean: stats.get(c, 'mean'),
      std: stats.get(c, 'std'),
      q99: stats.get(c, 'q99'),
      max: scan.max[c]!,
      label,
      labelCheck: labelCheckOf(label),
      exemplars: exemplars(c),
      visualization: visuals.get(c) ?? null,
      probe: probes.get(c) ?? null,
      circuits: [...new Set(held.map((m) => m.name))].sort(),
    };
  });
  const matching = all.filter((n) => neuronMatches(n, filter)).sort(compare(sort));
  const { offset, limit } = pageOf(query, matching.length);
  const shown = [...visuals.keys()].filter((c) => c < channels);
  return {
    layer: layer.id,
    pooling,
    sort,
    offset,
    limit,
    total: matching.length,
    neurons: matching.slice(offset, offset + limit),
    channels,
    filter,
    layerAnalyses: {
      visualized: shown.length,
      visualizedPassed: shown.filter((c) => visuals.get(c)!.check?.pass === true).length,
      probes: probes.size > 0,
      circuits: [...new Set(all.flatMap((n) => n.circuits))].sort(),
    },
  };
}
