/**
 * `neurolens tcav`: Testing with Concept Activation Vectors (Kim et al. 2018) on a recorded run.
 *
 * For a class and a layer:
 * - **CAVs**: per concept, `random` CAVs (concept images vs each of `random` seeded counter-example
 *   sets of run images, minus the concept's own), fitted by the probes' logistic probe on the
 *   run's mean-pooled activations (cav.ts).
 * - **Null distribution**: `random` CAVs of a random image set vs each counter-example set (a fresh
 *   disjoint pair per CAV, so the null scores are independent draws).
 * - **Scores**: the TCAV score of a CAV = the share of the class's images whose class logit has a
 *   positive directional derivative along it (derivative.ts: real gradients through the model).
 * - **Significance**: Welch's two-sided t-test of each concept's scores against the null scores;
 *   p is Bonferroni-adjusted over the concepts tested, and a concept is significant when the
 *   adjusted p < 0.05.
 *
 * Writes RUN/tcav/LAYER.CLASS.json (or `out`) and a Markdown report next to it. Deterministic:
 * every random choice is seeded, so the same inputs give byte-identical files.
 */
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { NeurolensError } from '../errors.js';
import { runMessages } from '../messages/run.js';
import { tcavMessages } from '../messages/tcav.js';
import { loadModel } from '../onnx/load.js';
import type { Matrix } from '../probes/types.js';
import { layerFileStem } from '../record/layout.js';
import { openRun } from '../run/open.js';
import type { OpenRun } from '../run/types.js';
import type { LayerRecord } from '../record/types.js';
import type { ConceptLabels } from '../probes/labels.js';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic.js';
import { sha256 } from '../store/hash.js';
import { withRunLock } from '../store/lock.js';
import { CAV_TEST_SHARE, drawRandomSets, trainCav, type RandomSets } from './cav.js';
import { classGradientSums, directionalDerivatives } from './derivative.js';
import { classImages, loadConceptLabels, pickConcepts, resolveClass, type ConceptSet } from './inputs.js';
import { renderTcavMarkdown } from './report.js';
import { sampleVariance, welchTest } from './stats.js';
import { MIN_RANDOM, TCAV_DEFAULTS, type ScoreSet, type TcavConcept, type TcavFile, type TcavHooks, type TcavOptions, type TcavResult } from './types.js';

/** Six decimals: readable JSON, and float noise never shows. */
const round = (x: number): number => Math.round(x * 1e6) / 1e6 || 0;

export const TCAV_DEFINITIONS: TcavFile['settings']['definitions'] = {
  cav: 'unit normal of the probes’ L2 logistic probe separating the concept’s images from a random counter-example set, in raw mean-pooled activations (standardised weights divided by the train std)',
  derivative: 'S = Σ_c v_c · Σ_positions ∂logit/∂A_c,position: the derivative of the class logit when every position of the layer moves by the CAV v (tokens: every token)',
  score: 'share of the class’s images (those the model predicts as the class) with S > 0',
  test: 'Welch’s two-sided t-test of the concept’s scores vs random-set-vs-random-set CAV scores; p × concepts (Bonferroni) < alpha is significant',
};

function scoreSet(scores: number[]): ScoreSet {
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  return { scores: scores.map(round), mean: round(mean), std: round(Math.sqrt(sampleVariance(scores))) };
}

/** TCAV score of direction v: share of the rows of `sums` with a positive directional derivative. */
function tcavScore(sums: Float64Array, v: Float64Array): number {
  const S = directionalDerivatives(sums, v);
  return S.reduce((a, s) => a + (s > 0 ? 1 : 0), 0) / S.length;
}

/** Random counter-example sets big enough for every concept. */
function randomSets(run: OpenRun, concepts: readonly ConceptSet[], random: number, seed: number): RandomSets {
  const images = run.images.length;
  const min = TCAV_DEFAULTS.minImages;
  if (images < 2 * min) throw new NeurolensError('input', tcavMessages.tooFewImages(images, min));
  const size = Math.min(Math.max(min, ...concepts.map((c) => c.images.length)), Math.floor(images / 2));
  const sets = drawRandomSets(images, size, random, seed);
  for (const concept of concepts) {
    const members = new Set(concept.images);
    const left = Math.min(...sets.sets.map((s) => s.filter((i) => !members.has(i)).length));
    if (left < min) throw new NeurolensError('input', tcavMessages.fewRandomImages(concept.name, left, min, images));
  }
  return sets;
}

/** Everything resolved and checked before any model work. */
interface Plan {
  run: OpenRun;
  layer: LayerRecord;
  cls: { index: number; name: string | null };
  /** The class's images (run indices). */
  target: number[];
  labels: ConceptLabels;
  concepts: ConceptSet[];
  random: number;
  seed: number;
  sets: RandomSets;
  out: string;
}

async function plan(options: TcavOptions, hooks: TcavHooks): Promise<Plan> {
  const random = options.random ?? TCAV_DEFAULTS.random;
  if (!(Number.isInteger(random) && random >= MIN_RANDOM)) throw new NeurolensError('usage', tcavMessages.badRandom(random, MIN_RANDOM));
  const run = await openRun(options.run, { layers: options.layer === undefined ? 'default' : [options.layer], layersOption: '--layer', poolings: ['mean'] });
  const layer = run.layers.at(-1)!;
  const cls = resolveClass(run, options.class);
  const target = classImages(run, cls.index, String(options.class));
  hooks.onStep?.(tcavMessages.stepLabels());
  const labels = await loadConceptLabels(run, layer, options.labels);
  for (const w of labels.warnings) hooks.onWarning?.(w);
  const concepts = pickConcepts(labels, options.concepts, TCAV_DEFAULTS.minImages);
  const seed = options.seed ?? TCAV_DEFAULTS.seed;
  const sets = randomSets(run, concepts, random, seed);
  const out = options.out ?? join(run.dir, 'tcav', `${layerFileStem(layer.id)}.${layerFileStem(cls.name ?? String(cls.index))}.json`);
  return { run, layer, cls, target, labels, concepts, random, seed, sets, out };
}

/** Per class image, Σ_positions ∂logit/∂A per neuron (the run's model, checked against its hash). */
async function gradientSums(p: Plan, options: TcavOptions, hooks: TcavHooks): Promise<Float64Array> {
  const { manifest } = p.run;
  const loaded = await loadModel(manifest.model.path);
  if (sha256(loaded.bytes) !== manifest.model.sha256) throw new NeurolensError('input', runMessages.modelChanged(manifest.model.path, p.run.shown));
  const source = {
    model: loaded.model,
    input: manifest.model.input.name,
    logits: manifest.model.output,
    prep: manifest.preprocessing,
    root: manifest.images.root,
    paths: p.target.map((i) => p.run.images[i]!.path),
    batch: options.batch ?? TCAV_DEFAULTS.batch,
    session: { ...(options.threads ? { threads: options.threads } : {}), ...(options.device ? { executionProvider: options.device } : {}) },
  };
  const { sums } = await classGradientSums(source, p.layer, p.cls.index, (done, total) => hooks.onStep?.(tcavMessages.stepGradients(done, total)));
  return sums;
}

/** One concept's CAVs (against each counter-example set, minus its own images), scores and test. */
function scoreConcept(p: Plan, X: Matrix, sums: Float64Array, concept: ConceptSet, nullScores: number[]): TcavConcept {
  const members = new Set(concept.images);
  const cavs = p.sets.sets.map((s, i) => trainCav(X, concept.images, s.filter((r) => !members.has(r)), p.seed + i));
  const scores = cavs.map((c) => tcavScore(sums, c.direction));
  const accuracies = cavs.map((c) => c.accuracy).filter((a) => Number.isFinite(a));
  const test = welchTest(scores, nullScores);
  const pAdjusted = Math.min(1, test.p * p.concepts.length);
  return {
    name: concept.name,
    images: concept.images.length,
    ...scoreSet(scores),
    cavAccuracy: accuracies.length > 0 ? round(accuracies.reduce((a, b) => a + b, 0) / accuracies.length) : null,
    t: Number.isFinite(test.t) ? round(test.t) : null,
    p: round(test.p),
    pAdjusted: round(pAdjusted),
    significant: pAdjusted < TCAV_DEFAULTS.alpha,
  };
}

async function compute(p: Plan, options: TcavOptions, hooks: TcavHooks): Promise<TcavResult> {
  const { run, layer, sets, seed } = p;
  const sums = await gradientSums(p, options, hooks);
  const X: Matrix = { data: await run.readActivations(layer, 'mean'), rows: run.manifest.images.count, cols: layer.channels };
  const nullScores = sets.sets.map((s, i) => tcavScore(sums, trainCav(X, sets.bases[i]!, s, seed + i).direction));
  const concepts = p.concepts.map((concept) => {
    hooks.onStep?.(tcavMessages.stepCavs(concept.name, p.random));
    return scoreConcept(p, X, sums, concept, nullScores);
  });
  const tcav: TcavFile = {
    format: 'neurolens-tcav',
    formatVersion: 1,
    layer: { id: layer.id, tensor: layer.tensor, kind: layer.kind, channels: layer.channels },
    class: { index: p.cls.index, name: p.cls.name, images: p.target.length, selection: 'predicted' },
    settings: {
      labels: p.labels.source,
      pooling: 'mean',
      random: p.random,
      randomSetSize: sets.sets[0]!.length,
      seed,
      alpha: TCAV_DEFAULTS.alpha,
      correction: 'bonferroni',
      cavTestShare: CAV_TEST_SHARE,
      definitions: TCAV_DEFINITIONS,
    },
    random: scoreSet(nullScores),
    concepts,
  };
  await mkdir(dirname(resolve(p.out)), { recursive: true });
  await writeJsonAtomic(p.out, tcav);
  const report = `${p.out.replace(/\.json$/i, '')}.md`;
  await writeFileAtomic(report, renderTcavMarkdown(tcav, `${basename(run.manifest.model.path)} on ${run.manifest.images.source}`));
  return { file: p.out, report, tcav, warnings: p.labels.warnings };
}

/** TCAV of `options.concepts` for `options.class` (see the module comment); writes the JSON and its report. */
export async function runTcav(options: TcavOptions, hooks: TcavHooks = {}): Promise<TcavResult> {
  const p = await plan(options, hooks);
  // Writing into the RUN takes its lock, like every analysis that writes there.
  const inRun = resolve(p.out).startsWith(`${p.run.dir}${sep}`);
  return inRun ? withRunLock(p.run.dir, 'tcav', () => compute(p, options, hooks)) : compute(p, options, hooks);
}
