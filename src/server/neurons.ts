/** `/api/neuron/:layer/:c` (one neuron); the layer's paginated neurons are in ./layer-grid.ts. */
import type { ConceptLayer } from '../concepts/types.js';
import type { ExemplarsFile } from '../neurons/types.js';
import type { ProbeLayer } from '../probes/layer-probes.js';
import type { Pooling } from '../record/types.js';
import type { NeuronExemplar, NeuronResponse } from './api.js';
import { neuronKey } from './circuit-index.js';
import { notFound } from './http-error.js';
import { channelHistogram } from './layer-scan.js';
import { activationSections, effectsOf, visualizationOf } from './neuron-extras.js';
import { pageOf } from './paging.js';
import type { RunIndex } from './run-index.js';

/**
 * The neuron's exemplars in `pooling`: the neurons stage's (with regions) when it ranked them in
 * that pooling, else the run's top-k of that pooling, so exemplar values and the histogram always
 * measure the same thing.
 */
async function exemplarsOf(run: RunIndex, layerId: string, pooling: Pooling, channel: number, doc: ExemplarsFile | null): Promise<{ list: NeuronExemplar[]; source: 'neurons' | 'topk' }> {
  const entry = doc?.pooling === pooling ? doc.neurons?.find((n) => n.channel === channel) : undefined;
  if (entry && Array.isArray(entry.images)) {
    const list = entry.images.map((index, i) => ({ index, path: entry.paths?.[i] ?? '', activation: entry.activations?.[i] ?? NaN, box: entry.boxes?.[i] ?? null }));
    return { list, source: 'neurons' };
  }
  const topk = await run.topk(layerId, pooling);
  const indices = Array.from(topk.data.subarray(channel * topk.k, (channel + 1) * topk.k)).slice(0, 16);
  const [acts, images] = await Promise.all([run.activationsOf(layerId, pooling, channel, indices), run.images()]);
  return { list: indices.map((index, i) => ({ index, path: images[index]?.path ?? '', activation: acts[i]!, box: null })), source: 'topk' };
}

async function conceptsOf(run: RunIndex, layerId: string, channel: number): Promise<NeuronResponse['concepts']> {
  const file = (await run.conceptFiles()).get(layerId);
  if (!file) return [];
  const doc = await run.json<ConceptLayer>(file);
  return (doc?.clusters ?? [])
    .filter((c) => c.neurons.includes(channel))
    .map((c) => ({ id: c.id, level: c.level, caption: c.caption, groupSize: c.neurons.length, images: c.images.length, difference: c.differenceNeurons.includes(channel) }));
}

async function probesOf(run: RunIndex, layerId: string, channel: number): Promise<NeuronResponse['probes']> {
  const out: NeuronResponse['probes'] = [];
  for (const file of await run.probeFiles()) {
    const doc = await run.json<ProbeLayer>(file);
    if (doc?.layer.id !== layerId) continue;
    for (const concept of doc.concepts) {
      const single = concept.probes.singleNeuron;
      if (single.neuron === channel) {
        out.push({ concept: concept.name, pooling: doc.pooling, role: 'best-single', rank: 1, auc: single.test.auc, heldInAuc: single.heldInAuc, weight: null });
        continue;
      }
      const rank = concept.topNeurons.findIndex((n) => n.neuron === channel);
      if (rank >= 0) {
        const n = concept.topNeurons[rank]!;
        out.push({ concept: concept.name, pooling: doc.pooling, role: 'top', rank: rank + 1, auc: n.auc, heldInAuc: n.heldInAuc, weight: n.weight });
      }
    }
  }
  return out;
}

export async function neuronDetail(run: RunIndex, layerId: string, channelText: string, query: URLSearchParams): Promise<NeuronResponse> {
  const layer = run.layer(layerId);
  if (!/^\d+$/.test(channelText) || Number(channelText) >= layer.channels) throw notFound(`neuron ${layer.id}/${channelText}`);
  const channel = Number(channelText);
  const stored = await run.json<ExemplarsFile>(run.exemplarsFile(layer.id));
  const storedPooling = stored && (run.manifest.poolings as string[]).includes(stored.pooling) ? stored.pooling : null;
  const pooling = run.pooling(query.get('pooling') || storedPooling);
  const [stats, scan, labels, exemplars, concepts, probes, circuits, hasSprite, sections, effects, visualization] = await Promise.all([
    run.stats(layer.id, pooling),
    run.scan(layer.id, pooling),
    run.labels(),
    exemplarsOf(run, layer.id, pooling, channel, stored),
    conceptsOf(run, layer.id, channel),
    probesOf(run, layer.id, channel),
    run.circuits(),
    run.exists(run.spriteFile(layer.id, channel)),
    activationSections(run, layer.id, channel, pooling),
    effectsOf(run, layer.id, channel),
    visualizationOf(run, layer.id, channel),
  ]);
  return {
    layer: layer.id,
    channel,
    pooling,
    channels: layer.channels,
    stats: {
      mean: stats.get(channel, 'mean'),
      std: stats.get(channel, 'std'),
      rate: stats.get(channel, 'rate'),
      q50: stats.get(channel, 'q50'),
      q90: stats.get(channel, 'q90'),
      q99: stats.get(channel, 'q99'),
      q995: stats.get(channel, 'q995'),
      min: scan.min[channel]!,
      max: scan.max[channel]!,
    },
    histogram: channelHistogram(scan, channel),
    exemplars: exemplars.list,
    exemplarSource: exemplars.source,
    sprite: hasSprite ? run.spriteFile(layer.id, channel) : null,
    spritePooling: hasSprite ? storedPooling : null,
    distribution: sections.distribution,
    correlations: sections.correlations,
    effects,
    visualization,
    label: labels.get(layer.id)?.get(channel) ?? null,
    concepts,
    probes,
    circuits: circuits.byNeuron.get(neuronKey(layer.id, channel)) ?? [],
  };
}
