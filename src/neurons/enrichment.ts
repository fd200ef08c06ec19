/**
 * Neuron labels by enrichment: a neuron's label is the concept whose images are most
 * over-represented among its top-k images relative to the dataset, kept only when that
 * over-representation is unlikely under chance after correcting for every concept and neuron tried.
 *
 * Candidates are every cluster at every level of a concepts run (or one level with
 * `--concepts-level`), every concept of a `--labels` file and every concept of a `--masks` dataset
 * (./caption-labels.ts builds the three families). Each source speaks about its own images (its
 * "universe"): a concepts run about the images it clustered, a labels file about every run image
 * (images it does not name have none of its concepts), a mask dataset about the run images it has
 * mask files for (a concept's images are those whose mask for it is not empty). For a neuron with
 * top images S and a concept C of universe U: n = |S ∩ U| top images, K = |C| concept images,
 * N = |U| dataset images, x = |S ∩ C| overlap.
 *
 * - **Score** F1 = 2x / (n + K) (the Dice coefficient of the two sets; IoU ranks the same). It is
 *   high only when the concept covers most of the top images (precision x/n) *and* most of the
 *   concept is among them (recall x/K). Precision alone, the old "cluster holding ≥ half the top
 *   images" rule, lets a huge mixed cluster win for nearly every neuron because it holds most images
 *   of the dataset; F1 divides by its size. The best concept is the one of highest F1 (ties: lower
 *   p, then smaller concept, then source order).
 * - **p** = P(X ≥ x), X ~ Hypergeometric(N, K, n): one-sided, over-representation only.
 * - **Choosing the best of m candidates** inflates chance hits, so the neuron's p is Bonferroni
 *   corrected within the neuron: p_neuron = min(1, m · p) (valid whatever rule picked the concept,
 *   and under any dependence between nested clusters).
 * - **q**: Benjamini–Hochberg over p_neuron across the layer's neurons. A neuron whose q is below
 *   `maxQ` (default 0.05) is labelled; otherwise it is "unlabelled" (label null) and its best
 *   candidate is still stored, with its evidence, to show why.
 */
import { benjaminiHochberg, logHypergeometricTail } from './significance.js';

/** One concept a neuron can be labelled with. */
export interface EnrichmentConcept {
  /** Cluster id (`L<level>.<n>`), or the labels file's or mask dataset's concept name. */
  id: string;
  /** What the label says: the cluster's caption, or the concept name. */
  name: string;
  /** Concepts-run level (1 = finest); null for a labels-file or mask concept. */
  level: number | null;
  /** Run image indices, unique. */
  images: readonly number[];
}

/** Where a family of candidates comes from: a concepts run, a --labels file or a --masks dataset. */
export type ConceptSource = 'clusters' | 'labels' | 'masks';

/** Candidates that share one universe of images. */
export interface ConceptFamily {
  /** 'clusters' (a concepts run), 'labels' (a --labels file) or 'masks' (a --masks dataset). */
  source: ConceptSource;
  /** 1 for each run image this source speaks about (length = run images). */
  universe: Uint8Array;
  concepts: EnrichmentConcept[];
}

/** Counts behind a label's p-value. */
export interface LabelEvidence {
  /** Top images that show the concept (x). */
  overlap: number;
  /** Top images in the source's universe (n). */
  topK: number;
  /** Images of the concept (K). */
  conceptSize: number;
  /** Images of the source's universe (N). */
  dataset: number;
}

/** A neuron's enrichment label (one entry of labels.json). */
export interface EnrichmentLabel {
  channel: number;
  /** The best concept's name when q < maxQ; null = unlabelled. */
  label: string | null;
  /** The best candidate, labelled or not; null when no candidate shares an image with the top images. */
  best: { source: ConceptSource; id: string; name: string; level: number | null } | null;
  /** F1 of the top images and the best concept's images (0 without a best). */
  score: number;
  /** One-sided hypergeometric p of the best concept (1 without a best). */
  p: number;
  /** p corrected for the candidates tried on this neuron: min(1, candidates × p). */
  pNeuron: number;
  /** Benjamini–Hochberg q of pNeuron across the layer's neurons. */
  q: number;
  /** Candidate concepts tested on this neuron (the Bonferroni factor). */
  candidates: number;
  evidence: LabelEvidence;
}

interface Scored {
  family: ConceptFamily;
  concept: EnrichmentConcept;
  score: number;
  logP: number;
  evidence: LabelEvidence;
}

/** Per family: universe size and image → concepts index (built once per layer). */
export interface PreparedFamilies {
  families: readonly ConceptFamily[];
  sizes: number[];
  byImage: Map<number, number[]>[];
  /** Per family, per concept: its images inside the universe (K). */
  conceptSizes: number[][];
  candidates: number;
}

export function prepareFamilies(families: readonly ConceptFamily[]): PreparedFamilies {
  const sizes = families.map((f) => f.universe.reduce((s, v) => s + (v ? 1 : 0), 0));
  const byImage = families.map((f) => {
    const index = new Map<number, number[]>();
    f.concepts.forEach((c, ci) => {
      for (const i of new Set(c.images)) {
        if (!f.universe[i]) continue;
        let list = index.get(i);
        if (!list) index.set(i, (list = []));
        list.push(ci);
      }
    });
    return index;
  });
  const conceptSizes = families.map((f) => f.concepts.map((c) => new Set(c.images.filter((i) => f.universe[i])).size));
  return { families, sizes, byImage, conceptSizes, candidates: families.reduce((s, f) => s + f.concepts.length, 0) };
}

function better(a: Scored, b: Scored | undefined): boolean {
  if (!b) return true;
  if (a.score !== b.score) return a.score > b.score;
  if (a.logP !== b.logP) return a.logP < b.logP;
  return a.evidence.conceptSize < b.evidence.conceptSize;
}

/** The best-scoring concept for one neuron's top images, or undefined when none overlaps them. */
export function bestConcept(top: readonly number[], prepared: PreparedFamilies): Scored | undefined {
  const unique = [...new Set(top)];
  let best: Scored | undefined;
  prepared.families.forEach((family, fi) => {
    const inUniverse = unique.filter((i) => family.universe[i]);
    const n = inUniverse.length;
    const overlaps = new Map<number, number>();
    for (const i of inUniverse) for (const ci of prepared.byImage[fi]!.get(i) ?? []) overlaps.set(ci, (overlaps.get(ci) ?? 0) + 1);
    const N = prepared.sizes[fi]!;
    for (const [ci, x] of overlaps) {
      const concept = family.concepts[ci]!;
      const K = prepared.conceptSizes[fi]![ci]!;
      const candidate: Scored = { family, concept, score: (2 * x) / (n + K), logP: logHypergeometricTail(x, N, K, n), evidence: { overlap: x, topK: n, conceptSize: K, dataset: N } };
      if (better(candidate, best)) best = candidate;
    }
  });
  return best;
}

/**
 * Labels of every neuron of one layer: `tops[c]` are neuron c's top images (run indices). See the
 * module comment for the score, p, the within-neuron correction and q.
 */
export function enrichmentLabels(tops: readonly (readonly number[])[], families: readonly ConceptFamily[], options: { maxQ?: number; runImages: number }): EnrichmentLabel[] {
  const maxQ = options.maxQ ?? 0.05;
  const prepared = prepareFamilies(families);
  const m = prepared.candidates;
  const rows = tops.map((top, channel) => {
    const found = bestConcept(top, prepared);
    const p = found ? Math.exp(found.logP) : 1;
    return { channel, found, p, pNeuron: Math.min(1, m * p), topSize: new Set(top).size };
  });
  const q = benjaminiHochberg(rows.map((r) => r.pNeuron));
  return rows.map((r, i) => {
    const { found } = r;
    const significant = found !== undefined && q[i]! < maxQ;
    return {
      channel: r.channel,
      label: significant ? found.concept.name : null,
      best: found ? { source: found.family.source, id: found.concept.id, name: found.concept.name, level: found.concept.level } : null,
      score: found?.score ?? 0,
      p: r.p,
      pNeuron: r.pNeuron,
      q: q[i]!,
      candidates: m,
      evidence: found?.evidence ?? { overlap: 0, topK: r.topSize, conceptSize: 0, dataset: options.runImages },
    };
  });
}

/** The layer's share of labelled neurons and the most common label with its share (ties: first in name order). */
export function labelShares(labels: readonly Pick<EnrichmentLabel, 'label'>[]): { labelled: number; top: { label: string; count: number } | null } {
  const counts = new Map<string, number>();
  for (const l of labels) if (l.label !== null) counts.set(l.label, (counts.get(l.label) ?? 0) + 1);
  const [label, count] = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))[0] ?? [];
  return { labelled: [...counts.values()].reduce((s, v) => s + v, 0), top: label === undefined ? null : { label, count: count! } };
}
