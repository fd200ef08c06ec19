/**
 * The neuron page's analysis sections (NeuronResponse `distribution`, `correlations`, `effects`,
 * `visualization`). Distribution and correlations come from the stored pooled activations as
 * layer-columns.ts keeps them per layer (results also cached per run, neuron and pooling, a bounded
 * number of entries); effects and visualisation are read from what
 * `neurolens neurons --effects` and `neurolens visualize` wrote, or null when absent.
 */
import { layerFileStem } from '../record/layout.js';
import type { Pooling } from '../record/types.js';
import type { VisualizeLayerFile } from '../visualize/types.js';
import type { NeuronEffectsFile } from '../neurons/effects-types.js';
import type { CorrelatedNeuron, NeuronCorrelations, NeuronDistribution, NeuronEffectsView, NeuronVisualization } from './neuron-api.js';
import { layerCacheOf, sampledColumn } from './layer-columns.js';
import { correlateSample, correlationStride, distributionOf, strongest } from './neuron-stats.js';
import type { RunIndex } from './run-index.js';

/** Neurons whose distribution and correlations stay cached (each entry holds a few hundred numbers). */
const CACHE_ENTRIES = 512;

const caches = new WeakMap<RunIndex, Map<string, Promise<{ distribution: NeuronDistribution; correlations: NeuronCorrelations }>>>();

/** Distribution and correlations of one neuron in `pooling`, computed once and kept (least recently used dropped). */
export function activationSections(run: RunIndex, layerId: string, channel: number, pooling: Pooling): Promise<{ distribution: NeuronDistribution; correlations: NeuronCorrelations }> {
  let cache = caches.get(run);
  if (!cache) caches.set(run, (cache = new Map()));
  const key = `${layerId}\u0000${channel}\u0000${pooling}`;
  let value = cache.get(key);
  if (value) {
    cache.delete(key);
    cache.set(key, value);
    return value;
  }
  value = computeSections(run, layerId, channel, pooling);
  cache.set(key, value);
  value.catch(() => cache.delete(key));
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return value;
}

async function computeSections(run: RunIndex, layerId: string, channel: number, pooling: Pooling) {
  const layers = run.manifest.layers;
  const at = layers.findIndex((l) => l.id === layerId);
  const images = await run.images();
  const stride = correlationStride(images.length);
  const cache = layerCacheOf(run);
  const path = run.activationsPath(layerId, pooling);
  const neighbours: { layer: string; relation: CorrelatedNeuron['relation'] }[] = [];
  if (at > 0) neighbours.push({ layer: layers[at - 1]!.id, relation: 'previous' });
  if (at >= 0 && at + 1 < layers.length) neighbours.push({ layer: layers[at + 1]!.id, relation: 'next' });
  const [own, ...others] = await Promise.all([cache.layer(path, stride), ...neighbours.map((l) => cache.sample(run.activationsPath(l.layer, pooling), stride))]);
  const column = await cache.column(path, own!, channel);
  // Requests waiting on the same layer resume together; yielding here lets the server answer other
  // requests between neurons instead of after all of them (each neuron is ~10 ms of arithmetic).
  await new Promise((resolve) => setImmediate(resolve));
  const distribution = distributionOf(column, (i) => images[i]?.path ?? '');
  const x = sampledColumn(own!, channel);
  const correlations = strongest(
    [{ layer: layerId, relation: 'same' as const, skip: channel, ...correlateSample(x, own!) }, ...neighbours.map((l, i) => ({ ...l, ...correlateSample(x, others[i]!) }))],
    undefined,
    stride,
  );
  return { distribution, correlations };
}

/** Run-relative path of a layer's effects file (`neurolens neurons --effects`). */
export function effectsFile(layerId: string): string {
  return `neurons/effects.${layerFileStem(layerId)}.json`;
}

/** The neuron's entry of neurons/effects.LAYER.json, or null when the stage has not run for it. */
export async function effectsOf(run: RunIndex, layerId: string, channel: number): Promise<NeuronEffectsView | null> {
  const doc = await run.json<NeuronEffectsFile>(effectsFile(layerId));
  if (doc?.format !== 'neurolens-neuron-effects' || !Array.isArray(doc.neurons)) return null;
  const entry = doc.neurons.find((n) => n.channel === channel);
  if (!entry) return null;
  return { settings: doc.settings, ablation: entry.ablation, heatmaps: entry.heatmaps, layerLargest: doc.layerLargest };
}

/** The neuron's feature visualisation with its check (RUN/visualize/LAYER/visualize.json), or null. */
export async function visualizationOf(run: RunIndex, layerId: string, channel: number): Promise<NeuronVisualization | null> {
  const doc = await run.json<VisualizeLayerFile>(`visualize/${layerFileStem(layerId)}/visualize.json`);
  if (doc?.format !== 'neurolens-visualize' || !Array.isArray(doc.neurons)) return null;
  const entry = doc.neurons.find((n) => n.neuron === channel);
  if (!entry || !(await run.exists(entry.image))) return null;
  // Further images of a --diversity run, only those present in the run (the path comes from a file).
  const others = [];
  for (const d of entry.diversity?.images ?? []) if (await run.exists(d.image)) others.push(d);
  return {
    image: entry.image,
    pooling: 'mean',
    activation: entry.activation,
    best: entry.best,
    pass: entry.pass,
    diversity: entry.diversity ? { images: others, gramCosine: entry.diversity.gramCosine } : null,
  };
}
