// Enrichment labels on planted layers: neurons whose top images were drawn from one concept must get
// it, pure-noise neurons must stay unlabelled, and one huge mixed cluster must not win.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enrichmentLabels, labelShares, type ConceptFamily, type EnrichmentConcept } from '../../src/neurons/enrichment.js';
import { hypergeometricTail } from '../../src/neurons/significance.js';
import { Random } from '../../src/util/random.js';

const N = 400;
const TOP = 8;

/**
 * A concepts-run-like hierarchy over N images: level 1 = 40 clusters of 10 consecutive images,
 * level 2 = 10 clusters of 40, level 3 = one huge mixed cluster of 320 images ("armenia flag") and
 * one of 80.
 */
function hierarchy(): ConceptFamily {
  const concepts: EnrichmentConcept[] = [];
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  for (let c = 0; c < 40; c++) concepts.push({ id: `L1.${c}`, name: `fine ${c}`, level: 1, images: range(10 * c, 10 * c + 10) });
  for (let c = 0; c < 10; c++) concepts.push({ id: `L2.${c}`, name: `broad ${c}`, level: 2, images: range(40 * c, 40 * c + 40) });
  concepts.push({ id: 'L3.0', name: 'armenia flag', level: 3, images: range(0, 320) }, { id: 'L3.1', name: 'other', level: 3, images: range(320, 400) });
  return { source: 'clusters', universe: new Uint8Array(N).fill(1), concepts };
}

/** `count` distinct images drawn from `pool` (without replacement). */
function draw(random: Random, pool: readonly number[], count: number, exclude = new Set<number>()): number[] {
  const left = pool.filter((i) => !exclude.has(i));
  const out: number[] = [];
  while (out.length < count) out.push(...left.splice(random.int(left.length), 1));
  return out;
}

const ALL = Array.from({ length: N }, (_, i) => i);

/**
 * One planted layer: `planted` neurons whose top-8 holds `hits` images of a random level-1 cluster
 * (the rest drawn from the whole dataset), then `noise` neurons with 8 random images.
 */
function plantedLayer(seed: number, planted: number, noise: number, hits: number) {
  const random = new Random(seed);
  const tops: number[][] = [];
  const truth: (string | null)[] = [];
  for (let i = 0; i < planted; i++) {
    const c = random.int(40);
    const inside = draw(random, Array.from({ length: 10 }, (_, j) => 10 * c + j), hits);
    tops.push([...inside, ...draw(random, ALL, TOP - hits, new Set(inside))]);
    truth.push(`L1.${c}`);
  }
  for (let i = 0; i < noise; i++) {
    tops.push(draw(random, ALL, TOP));
    truth.push(null);
  }
  return { tops, truth };
}

test('planted neuron→concept pairs are found; pure-noise neurons stay unlabelled (FDR ≤ 0.1 over seeds)', () => {
  const family = hierarchy();
  let found = 0;
  let planted = 0;
  let falseLabels = 0;
  let labelled = 0;
  for (const seed of [1, 2, 3, 4, 5]) {
    const { tops, truth } = plantedLayer(seed, 30, 120, 5);
    const labels = enrichmentLabels(tops, [family], { runImages: N });
    labels.forEach((l, i) => {
      if (l.label !== null) labelled++;
      if (truth[i] === null) {
        if (l.label !== null) falseLabels++;
        return;
      }
      planted++;
      if (l.label !== null && l.best?.id === truth[i]) found++;
    });
  }
  assert.equal(found, planted, `planted concepts found: ${found} of ${planted}`);
  assert.ok(labelled > 0 && falseLabels / labelled <= 0.1, `false discovery rate ${falseLabels}/${labelled}`);
  // A layer of noise alone: the global null. BH keeps P(any label) ≤ 0.05 per layer.
  let noiseOnly = 0;
  for (const seed of [11, 12, 13, 14, 15]) noiseOnly += enrichmentLabels(plantedLayer(seed, 0, 150, 0).tops, [family], { runImages: N }).filter((l) => l.label !== null).length;
  assert.ok(noiseOnly <= 1, `${noiseOnly} noise neurons labelled in 5 noise-only layers`);
});

test('a huge mixed cluster holding every top image does not beat a small enriched concept (and is not significant alone)', () => {
  const family = hierarchy();
  // All 8 top images lie in "armenia flag" (320 of 400 images); 5 of them are the 10 images of L1.3.
  const top = [30, 31, 32, 33, 34, 100, 200, 300];
  const labels = enrichmentLabels([top, [50, 120, 210, 290, 12, 77, 150, 260]], [family], { runImages: N });
  const [enriched, mixed] = labels;
  assert.equal(enriched!.best?.id, 'L1.3');
  assert.equal(enriched!.label, 'fine 3');
  assert.deepEqual(enriched!.evidence, { overlap: 5, topK: 8, conceptSize: 10, dataset: N });
  assert.ok(Math.abs(enriched!.score - (2 * 5) / (8 + 10)) < 1e-12);
  assert.ok(Math.abs(enriched!.p / hypergeometricTail(5, N, 10, 8) - 1) < 1e-12);
  assert.equal(enriched!.candidates, 52);
  assert.ok(Math.abs(enriched!.pNeuron - 52 * enriched!.p) < 1e-15);
  // Every top image of the second neuron is in the huge cluster too, but 8 of 8 from 80 % of the
  // data happens by chance 17 % of the time: it is never the label.
  assert.ok(Math.abs(hypergeometricTail(8, N, 320, 8) - 0.165) < 0.005);
  assert.equal(mixed!.label, null);
  assert.notEqual(mixed!.best?.name, 'armenia flag');
  assert.deepEqual(labelShares(labels), { labelled: 1, top: { label: 'fine 3', count: 1 } });
});

test('q is Benjamini–Hochberg over the within-neuron Bonferroni p; max-q moves the cut; no overlap → unlabelled with evidence', () => {
  const family = hierarchy();
  const { tops } = plantedLayer(7, 10, 40, 3);
  tops.push([]);
  const labels = enrichmentLabels(tops, [family], { runImages: N });
  const m = labels.length;
  const order = labels.map((l) => l.pNeuron).sort((a, b) => a - b);
  for (const l of labels) {
    // q ≥ pNeuron and the step-up formula at the neuron's own rank bounds it from above.
    const rank = order.lastIndexOf(l.pNeuron) + 1;
    assert.ok(l.q >= l.pNeuron - 1e-15 && l.q <= (l.pNeuron * m) / rank + 1e-15);
    assert.equal(l.label !== null, l.q < 0.05);
  }
  const loose = enrichmentLabels(tops, [family], { runImages: N, maxQ: 0.5 });
  assert.ok(loose.filter((l) => l.label !== null).length >= labels.filter((l) => l.label !== null).length);
  assert.deepEqual(labels.at(-1), { channel: m - 1, label: null, best: null, score: 0, p: 1, pNeuron: 1, q: 1, candidates: 52, evidence: { overlap: 0, topK: 0, conceptSize: 0, dataset: N } });
});

test('a labels-file concept competes with clusters; each source counts its own universe', () => {
  const clusters = hierarchy();
  // The labels file names only images 0–199 (the rest have none of its concepts, but are in its universe).
  const labelsFamily: ConceptFamily = { source: 'labels', universe: new Uint8Array(N).fill(1), concepts: [{ id: 'clock', name: 'clock', level: null, images: [5, 17, 29, 41, 53, 65, 77, 89] }] };
  const [l] = enrichmentLabels([[5, 17, 29, 41, 53, 65, 77, 89]], [clusters, labelsFamily], { runImages: N });
  assert.deepEqual(l!.best, { source: 'labels', id: 'clock', name: 'clock', level: null });
  assert.equal(l!.score, 1);
  assert.equal(l!.candidates, 53);
  // A concepts run that clustered only half the images: its N is 200, and top images outside it do not count in n.
  const half: ConceptFamily = { ...clusters, universe: new Uint8Array(N).map((_, i) => (i < 200 ? 1 : 0)) };
  const [h] = enrichmentLabels([[0, 1, 2, 3, 4, 300, 301, 302]], [half], { runImages: N });
  assert.deepEqual(h!.evidence, { overlap: 5, topK: 5, conceptSize: 10, dataset: 200 });
});
