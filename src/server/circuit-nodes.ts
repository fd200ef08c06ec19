/**
 * What the circuit page shows about each node beyond the circuit file: its concept name by the very
 * rule that names circuits (annotate.ts neuronConcept over the T10 reference images, so a node's
 * name and its circuit's caption agree), and its reference images cropped to its region.
 *
 * Names need each node neuron's T10, which the circuit file does not store; they are recomputed
 * from activations/LAYER.top10.npy (read in chunks, only the node channels kept) once per state of
 * the circuits folder and cached with its index.
 */
import { CONCEPT_ALPHA, neuronConcept, type ConceptSet } from '../circuits/annotate.js';
import type { CircuitCropsFile } from '../circuits/formats.js';
import { CROPS_INDEX } from '../circuits/crop-files.js';
import { referenceFromMatrix } from '../circuits/reference.js';
import type { ConceptLayer } from '../concepts/types.js';
import type { ExemplarsFile } from '../neurons/types.js';
import { NpyReader } from '../store/npy.js';
import type { NodeConcept, NodeCrops } from './api.js';
import { neuronKey, type CircuitIndex } from './circuit-index.js';
import type { RunIndex } from './run-index.js';

const CHUNK_BYTES = 8 * 1024 * 1024;
const conceptCache = new WeakMap<CircuitIndex, Promise<Map<string, NodeConcept>>>();

/** The concept clusters the circuits command names neurons from: the first concepts file's, by file name. */
async function conceptSets(run: RunIndex): Promise<ConceptSet[]> {
  const files = [...(await run.conceptFiles()).values()].sort();
  const doc = files.length > 0 ? await run.json<ConceptLayer>(files[0]!) : null;
  const clusters = Array.isArray(doc?.clusters) ? doc.clusters : [];
  return clusters.filter((c) => typeof c.caption === 'string' && c.caption.trim() !== '').map((c) => ({ id: c.id, caption: c.caption, images: new Set(c.images) }));
}

/** T10 of the given channels of one layer, from its top10 activation matrix. */
async function top10Sets(run: RunIndex, layer: string, channels: readonly number[]): Promise<{ images: number; tops: Map<number, Int32Array> }> {
  const reader = await NpyReader.open(run.activationsPath(layer, 'top10'));
  try {
    const width = reader.header.shape[1] ?? 1;
    const images = reader.rows;
    const sub = new Float32Array(images * channels.length);
    const step = Math.max(1, Math.floor(CHUNK_BYTES / (4 * width)));
    for (let start = 0; start < images; start += step) {
      const count = Math.min(step, images - start);
      const rows = await reader.readFloat32Rows(start, count);
      for (let r = 0; r < count; r++) channels.forEach((c, j) => (sub[(start + r) * channels.length + j] = rows[r * width + c]!));
    }
    const reference = referenceFromMatrix(sub, images, channels.length, layer);
    return { images, tops: new Map(channels.map((c, j) => [c, reference.T10[j]!])) };
  } finally {
    await reader.close();
  }
}

async function computeConcepts(run: RunIndex, index: CircuitIndex): Promise<Map<string, NodeConcept>> {
  const out = new Map<string, NodeConcept>();
  const sets = await conceptSets(run);
  if (sets.length === 0) return out;
  const byLayer = new Map<string, Set<number>>();
  for (const { doc } of index.queries.values()) for (const c of doc.circuits) for (const n of c.nodes) byLayer.set(n.layer, (byLayer.get(n.layer) ?? new Set()).add(n.channel));
  const bound = CONCEPT_ALPHA / sets.length;
  for (const [layer, channels] of byLayer) {
    // A layer recorded without top10 (or removed since) leaves its nodes unnamed, not the page broken.
    const found = await top10Sets(run, layer, [...channels].sort((a, b) => a - b)).catch(() => null);
    if (!found) continue;
    for (const [channel, top] of found.tops) {
      const named = neuronConcept(top, sets, found.images);
      if (named) out.set(neuronKey(layer, channel), { caption: named.caption, cluster: named.cluster, overlap: named.overlap, top: top.length, p: named.p, bound });
    }
  }
  return out;
}

/** `LAYER#CHANNEL` → the neuron's concept, for every node of the run's circuits (cached per index). */
export function nodeConcepts(run: RunIndex, index: CircuitIndex): Promise<Map<string, NodeConcept>> {
  let hit = conceptCache.get(index);
  if (!hit) {
    hit = computeConcepts(run, index);
    conceptCache.set(index, hit);
  }
  return hit;
}

/** A run-relative path the files route may serve: inside circuits/crops, no dot segments. */
const safeCrop = (file: unknown): string | null =>
  typeof file === 'string' && file.startsWith('circuits/crops/') && !file.split('/').some((s) => s === '..' || s === '.' || s === '') ? file : null;

/** The node's crops: the circuits command's own (crops/index.json), else the neurons stage's exemplars. */
export async function nodeCrops(run: RunIndex, layer: string, channel: number): Promise<NodeCrops | null> {
  const index = await run.json<Partial<CircuitCropsFile>>(CROPS_INDEX);
  const own = Array.isArray(index?.neurons) ? index.neurons.find((n) => n.layer === layer && n.channel === channel) : undefined;
  if (own && Array.isArray(own.images)) {
    const images = own.images.map((i) => ({ index: i.index, path: i.path, act: i.act, region: i.region ?? null, crop: safeCrop(i.file), tile: null }));
    return { source: 'circuits', pooling: 'top10', images, sprite: null };
  }
  const doc = await run.json<Partial<ExemplarsFile>>(run.exemplarsFile(layer));
  const entry = Array.isArray(doc?.neurons) ? doc.neurons.find((n) => n.channel === channel) : undefined;
  if (!entry || !Array.isArray(entry.images)) return null;
  const sprite = run.spriteFile(layer, channel);
  const tile = doc?.settings?.thumbSize;
  const hasSprite = typeof tile === 'number' && (await run.exists(sprite));
  const images = entry.images.map((index, i) => ({ index, path: entry.paths?.[i] ?? '', act: entry.activations?.[i] ?? Number.NaN, region: entry.boxes?.[i] ?? null, crop: null, tile: hasSprite ? i : null }));
  return { source: 'neurons', pooling: String(doc?.pooling ?? ''), images, sprite: hasSprite ? { file: sprite, tile: tile! } : null };
}
