/**
 * What a circuit does and what it is about, measured per query:
 *
 *  - effect: the predicted logit's drop when the circuit ALONE is zeroed (one batch row per circuit,
 *    as `circuits eval` measures it). Circuits are ranked by it, so reports and the explorer open on
 *    the circuit that matters most, not on the first root found. Against it, the drops of random
 *    sets of the circuit's per-layer sizes — the very draws `circuits eval` makes for this query at
 *    its default seed and draws — and the verdict (verdict.ts), so every circuit file says whether
 *    each of its circuits beats random neurons without a separate eval run.
 *  - concept: a name from the run's concepts stage (RUN/concepts/LAYER.json). Each neuron is named
 *    by the cluster (any level) most over-represented among its top-10 % reference images: the
 *    smallest one-sided hypergeometric p-value of the overlap, kept only below a Bonferroni bound
 *    over the clusters — a large mixed cluster overlaps every neuron's top images by its size
 *    alone and is not significant, a small one needs more than a coincidental image or two. The
 *    circuit takes the caption most of its neurons share, with that count as the evidence.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ablator, MaskRow } from '../maps/ablate.js';
import type { TensorLike } from '../runtime/types.js';
import type { CircuitQueryResult, CircuitResult } from './discover.js';
import type { Reference } from './reference.js';
import { CIRCUITS_DEFAULTS } from './defaults.js';
import { planCircuits, querySeed, randomCheck } from './faithfulness.js';

/** A concept cluster as this module reads it. */
export interface ConceptSet {
  id: string;
  caption: string;
  images: ReadonlySet<number>;
}

/** Fewest of a neuron's top images a cluster must hold to name it. */
export const MIN_CONCEPT_OVERLAP = 2;

/** Family-wise level of a neuron's name (Bonferroni over the clusters tested). */
export const CONCEPT_ALPHA = 0.05;

const logFactorials: number[] = [0];
function logFactorial(n: number): number {
  for (let i = logFactorials.length; i <= n; i++) logFactorials.push(logFactorials[i - 1]! + Math.log(i));
  return logFactorials[n]!;
}
const logChoose = (n: number, k: number) => logFactorial(n) - logFactorial(k) - logFactorial(n - k);

/** P[X ≥ k] for X ~ Hypergeometric(population N, K successes, n draws): chance of an overlap at least this large. */
export function hypergeometricTail(N: number, K: number, n: number, k: number): number {
  if (k <= Math.max(0, n - (N - K))) return 1;
  let p = 0;
  for (let x = Math.max(k, 0); x <= Math.min(K, n); x++) p += Math.exp(logChoose(K, x) + logChoose(N - K, n - x) - logChoose(N, n));
  return Math.min(1, p);
}

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

/** A neuron's named concept (see the module comment). */
export interface NeuronConcept {
  caption: string;
  cluster: string;
  /** Top images in the cluster. */
  overlap: number;
  /** One-sided hypergeometric p-value of that overlap. */
  p: number;
}

/**
 * A neuron's concept among `images` reference images: the cluster with the smallest p-value of
 * its overlap with the neuron's top images (ties: larger overlap, then cluster order), if that p
 * is below CONCEPT_ALPHA / number of clusters; otherwise none.
 */
export function neuronConcept(top: ArrayLike<number>, concepts: readonly ConceptSet[], images: number): NeuronConcept | undefined {
  let best: NeuronConcept | undefined;
  const bound = CONCEPT_ALPHA / Math.max(1, concepts.length);
  for (const c of concepts) {
    let overlap = 0;
    for (let i = 0; i < top.length; i++) if (c.images.has(top[i]!)) overlap++;
    if (overlap < MIN_CONCEPT_OVERLAP) continue;
    const p = hypergeometricTail(images, c.images.size, top.length, overlap);
    if (p >= bound) continue;
    if (!best || p < best.p || (p === best.p && overlap > best.overlap)) best = { caption: c.caption, cluster: c.id, overlap, p };
  }
  return best;
}

/** The caption most of a circuit's named neurons share (ties: smaller best p, then caption order); none when no neuron is named. */
export function circuitConcept(circuit: Pick<CircuitResult, 'nodes'>, layerIndex: (layer: string) => number, reference: Reference, concepts: readonly ConceptSet[]): NonNullable<CircuitResult['concept']> | undefined {
  const votes = new Map<string, { neurons: number; p: number }>();
  for (const node of circuit.nodes) {
    const named = neuronConcept(reference.layers[layerIndex(node.layer)]!.T10[node.channel]!, concepts, reference.images);
    if (!named) continue;
    const v = votes.get(named.caption) ?? { neurons: 0, p: 1 };
    votes.set(named.caption, { neurons: v.neurons + 1, p: Math.min(v.p, named.p) });
  }
  const ranked = [...votes.entries()].sort(([a, x], [b, y]) => y.neurons - x.neurons || x.p - y.p || a.localeCompare(b));
  const top = ranked[0];
  if (!top) return undefined;
  return { caption: top[0], neurons: top[1].neurons, of: circuit.nodes.length, p: top[1].p };
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
  // Planned on the discovery order, as eval plans them, so the draws match eval's for this query.
  const plans = planCircuits(result, { seed: querySeed(CIRCUITS_DEFAULTS.seed, result.query.index ?? 0), draws: CIRCUITS_DEFAULTS.draws });
  const zero = (neurons: MaskRow['neurons']): MaskRow => ({ neurons, factor: 0 });
  const rows: MaskRow[] = [{ neurons: [] }, ...plans.flatMap((p) => [zero(p.nodes), ...p.random.map(zero)])];
  const logits = await options.ablator.run(options.image, rows);
  const original = logits[0]![predicted]!;
  const drop = (row: number) => original - logits[row]![predicted]!;
  const layerIndex = (id: string) => result.layers.findIndex((l) => l.id === id);
  const circuits = result.circuits
    .map((c, i) => {
      const concept = options.concepts.length > 0 ? circuitConcept(c, layerIndex, options.reference, options.concepts) : undefined;
      const base = 1 + i * (1 + CIRCUITS_DEFAULTS.draws);
      const randomDrops = Array.from({ length: CIRCUITS_DEFAULTS.draws }, (_, d) => drop(base + 1 + d));
      const effect = { ablation: 'zero' as const, drop: drop(base), rank: 0, ...randomCheck(drop(base), randomDrops, plans[i]!.seed) };
      return { c: { ...c, effect, ...(concept ? { concept } : {}) }, i };
    })
    .sort((a, b) => b.c.effect.drop - a.c.effect.drop || a.i - b.i)
    .map(({ c }, r) => ({ ...c, effect: { ...c.effect, rank: r + 1 } }));
  return { ...result, circuits };
}
