/**
 * What a circuit does and what it is about, measured per query:
 *
 *  - effect: the predicted logit's drop when the circuit ALONE is zeroed (one batch row per circuit,
 *    as `circuits eval` measures it). Circuits are ranked by it, so reports and the explorer open on
 *    the circuit that matters most, not on the first root found.
 *  - concept: a name from the run's concepts stage (RUN/concepts/LAYER.json). Each neuron is named
 *    by the cluster (any level) that best matches its top-10 % reference images — F1 of the two
 *    image sets, so a large mixed cluster cannot win by size alone — and the circuit takes the
 *    caption most of its neurons share, with that count as the evidence.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ablator, MaskRow } from '../maps/ablate.js';
import type { TensorLike } from '../runtime/types.js';
import type { CircuitQueryResult, CircuitResult } from './discover.js';
import type { Reference } from './reference.js';

/** A concept cluster as this module reads it. */
export interface ConceptSet {
  id: string;
  caption: string;
  images: ReadonlySet<number>;
}

/** Fewest of a neuron's top images a cluster must hold to name it. */
export const MIN_CONCEPT_OVERLAP = 2;

/**
 * The clusters of a run's concepts stage, from the first RUN/concepts/*.json (captions cluster
 * images, so every layer's file holds the same clusters). Empty when the stage was not run.
 */
export async function loadConceptSets(runDir: string): Promise<ConceptSet[]> {
  const dir = join(runDir, 'concepts');
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
  for (const file of files) {
    const doc = JSON.parse(await readFile(join(dir, file), 'utf8')) as { format?: string; clusters?: { id: string; caption: string; images: number[] }[] };
    if (doc.format !== 'neurolens-concepts' || !Array.isArray(doc.clusters)) continue;
    return doc.clusters.filter((c) => c.caption.trim() !== '').map((c) => ({ id: c.id, caption: c.caption, images: new Set(c.images) }));
  }
  return [];
}

/** A neuron's best concept: the cluster with the highest F1 against its top images (ties: larger overlap, then cluster order). */
export function neuronConcept(top: ArrayLike<number>, concepts: readonly ConceptSet[]): { caption: string; cluster: string; f1: number; overlap: number } | undefined {
  let best: { caption: string; cluster: string; f1: number; overlap: number } | undefined;
  for (const c of concepts) {
    let overlap = 0;
    for (let i = 0; i < top.length; i++) if (c.images.has(top[i]!)) overlap++;
    if (overlap < MIN_CONCEPT_OVERLAP) continue;
    const f1 = (2 * overlap) / (top.length + c.images.size);
    if (!best || f1 > best.f1 || (f1 === best.f1 && overlap > best.overlap)) best = { caption: c.caption, cluster: c.id, f1, overlap };
  }
  return best;
}

/** The caption most of a circuit's neurons share (ties: higher mean F1, then caption order). */
export function circuitConcept(circuit: Pick<CircuitResult, 'nodes'>, layerIndex: (layer: string) => number, reference: Reference, concepts: readonly ConceptSet[]): NonNullable<CircuitResult['concept']> | undefined {
  const votes = new Map<string, { neurons: number; f1: number }>();
  for (const node of circuit.nodes) {
    const named = neuronConcept(reference.layers[layerIndex(node.layer)]!.T10[node.channel]!, concepts);
    if (!named) continue;
    const v = votes.get(named.caption) ?? { neurons: 0, f1: 0 };
    votes.set(named.caption, { neurons: v.neurons + 1, f1: v.f1 + named.f1 });
  }
  const ranked = [...votes.entries()].sort(([a, x], [b, y]) => y.neurons - x.neurons || y.f1 / y.neurons - x.f1 / x.neurons || a.localeCompare(b));
  const top = ranked[0];
  if (!top) return undefined;
  return { caption: top[0], neurons: top[1].neurons, of: circuit.nodes.length, meanF1: top[1].f1 / top[1].neurons };
}

/**
 * Measures each circuit's effect (predicted logit drop with it alone zeroed), names it, and returns
 * the result with circuits ranked by effect (descending; ties: discovery order).
 */
export async function annotateCircuits(
  result: CircuitQueryResult,
  options: { ablator: Ablator; image: TensorLike; reference: Reference; concepts: readonly ConceptSet[] },
): Promise<CircuitQueryResult> {
  if (result.circuits.length === 0) return result;
  const predicted = result.query.predicted[0]!.class;
  const rows: MaskRow[] = [{ neurons: [] }, ...result.circuits.map((c) => ({ neurons: c.nodes.map((n) => ({ layer: n.layer, channel: n.channel })), factor: 0 }))];
  const logits = await options.ablator.run(options.image, rows);
  const original = logits[0]![predicted]!;
  const layerIndex = (id: string) => result.layers.findIndex((l) => l.id === id);
  const circuits = result.circuits
    .map((c, i) => {
      const concept = options.concepts.length > 0 ? circuitConcept(c, layerIndex, options.reference, options.concepts) : undefined;
      return { c: { ...c, effect: { ablation: 'zero' as const, drop: original - logits[1 + i]![predicted]!, rank: 0 }, ...(concept ? { concept } : {}) }, i };
    })
    .sort((a, b) => b.c.effect.drop - a.c.effect.drop || a.i - b.i)
    .map(({ c }, r) => ({ ...c, effect: { ...c.effect, rank: r + 1 } }));
  return { ...result, circuits };
}
