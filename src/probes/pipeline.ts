/**
 * `neurolens probe`: how well each recorded layer's neurons predict labelled concepts.
 *
 * Per layer (activations/LAYER.POOL.npy) and concept:
 * - **Split**: stratified on the concept (test / validation / train, seeded). The joint probes
 *   (multi-concept, and the joint MLP) need one split for every concept: it is stratified on the
 *   class when the concepts are exclusive, otherwise on the first concept — so their per-concept
 *   numbers come from that shared split, not the concept's own.
 * - **Standardisation** with the train rows' mean and std only (no test leakage).
 * - **Probes**: every single neuron (threshold / AUC sweep); the multi-neuron logistic probe
 *   (L2, optional L1) with its sparse k (fewest largest-weight neurons reaching `sparseTarget` of
 *   its test AUC) and the AUC-vs-k curve; the multi-concept probe (softmax when exclusive, else one
 *   output per concept sharing the split); the MLP (per concept, and joint when exclusive).
 * - **Baselines**: the majority class, and the multi-neuron probe trained on shuffled labels (the
 *   control: what the probe reaches with no concept structure at all).
 * - **Top neurons**: ranked by single-neuron test AUC (positively tuned first, so their top images
 *   illustrate the concept), each with its multi-neuron weight.
 * - **Uncertainty**: 95 % bootstrap intervals of the test AUC and accuracy of the probes scored on
 *   the concept's own split (bootstrap.ts); a layer's headline names the best-read concept only
 *   among concepts with at least `minTestPositives` test positives (headline.ts).
 *
 * Writes RUN/probes/LAYER.json per layer and RUN/probes/report.html. Deterministic: every random
 * choice is seeded, so the same inputs give byte-identical JSON.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NeurolensError } from '../errors.js';
import { probeMessages } from '../messages/index.js';
import { layerFileStem } from '../record/layout.js';
import type { Pooling } from '../record/types.js';
import { readNpy } from '../store/npy.js';
import { openRun } from '../run/open.js';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic.js';
import { thumbnails } from '../concepts/thumbnails.js';
import { conceptLabels, type ConceptLabels, type ConceptsSpec, type LabelSource } from './labels.js';
import { renderProbeReport } from './report.js';
import { baselines } from './metrics.js';
import { sparseK, trainLogistic } from './logistic.js';
import { trainMlp } from './mlp.js';
import { trainMultiConcept } from './multi.js';
import { singleNeuronProbes } from './single.js';
import { checkNumber, shuffleLabels, stratifiedSplit } from './split.js';
import { standardiser } from './standardise.js';
import type { Matrix, ProbeMetrics as CoreMetrics, Split } from './types.js';
import { withRunLock } from '../store/lock.js';
import { PROBE_DEFAULTS } from './defaults.js';
import { bootstrapIntervals, type Interval } from './bootstrap.js';
import { probeHeadline, type ProbeHeadline } from './headline.js';

/** Test-split metrics (null where undefined: e.g. AUC with one class in the split). */
export interface Scores {
  accuracy: number | null;
  balancedAccuracy: number | null;
  auc: number | null;
}

export interface ProbeScores {
  train?: Scores;
  validation?: Scores;
  test: Scores;
  /**
   * 95 % intervals of the test AUC and accuracy (null where the metric is undefined): stratified
   * percentile bootstrap of the test split, widened to the Wilson interval (settings.bootstrap).
   * Only the probes scored on the concept's own split carry them.
   */
  ci?: { auc: Interval | null; accuracy: Interval | null };
  /** Training epochs run (early stopping on the validation loss). */
  epochs?: number;
}

export interface ConceptProbes {
  name: string;
  positives: number;
  negatives: number;
  /** Images per split of this concept's own split, and the positives in its test split. */
  split: { train: number; validation: number; test: number; testPositives: number };
  probes: {
    /** The neuron with the best AUC on the train + validation rows (`heldInAuc`), scored on test. */
    singleNeuron: ProbeScores & { neuron: number; heldInAuc: number | null };
    multiNeuron: ProbeScores;
    /** From the shared split (see the module comment). */
    multiConcept: ProbeScores | null;
    mlp: ProbeScores | null;
  };
  baselines: { majority: Scores; shuffled: Scores };
  /** Fewest neurons (largest |weight| first) whose probe reaches target × the full test AUC; null if never. */
  sparse: { k: number | null; target: number; targetAuc: number | null; curve: { k: number; auc: number | null }[] };
  /**
   * Neurons by single-neuron AUC on the train + validation rows (`heldInAuc`), best first, with
   * their test AUC and accuracy and their weight in the multi-neuron probe (standardised units).
   */
  topNeurons: { neuron: number; heldInAuc: number | null; auc: number | null; accuracy: number | null; weight: number }[];
}

export interface ProbeLayer {
  format: 'neurolens-probes';
  formatVersion: 1;
  layer: { id: string; tensor: string; channels: number };
  pooling: string;
  images: number;
  /** Everything that produced this file: labels, split, seeds, hyper-parameters. */
  settings: Record<string, unknown>;
  concepts: ConceptProbes[];
  /** Exclusive concepts only: the concepts as classes of one variable (shared split). */
  joint: { multiConcept: ProbeScores | null; mlp: ProbeScores | null; majority: number | null } | null;
  /** What this layer may claim: the best-read concept among those with enough test positives. */
  headline: ProbeHeadline;
}

export interface ProbeOptions {
  /** A finished RUN directory (from `neurolens record`). */
  run: string;
  /** Labels file: CSV `path,concept` (repeated rows or `;`-separated) or JSONL `{"path","concepts"}`. */
  labels?: string;
  /** Or concepts of a `neurolens concepts` run: `clusters:LEVEL` or `keywords:N`. */
  concepts?: string | ConceptsSpec;
  /** Concepts with fewer positive images are skipped (with a warning). Default (and at least) 2. */
  minPositives?: number;
  /**
   * Concepts with fewer positives in their test split are reported but never ranked or named best
   * (their AUC rests on too few images). Default 10.
   */
  minTestPositives?: number;
  /** Bootstrap resamples of the test split behind each 95 % interval. Default 1,000. */
  bootstrapResamples?: number;
  /** Layer ids to probe; default every recorded layer. */
  layers?: string[];
  /** Recorded pooling to use. Default 'mean'. */
  pooling?: Pooling;
  /** Seed of the splits, the shuffled-label control and the MLP initialisation. Default 0. */
  seed?: number;
  /** Shares of the images in the test and validation splits. Defaults 0.2 and 0.1. */
  testFraction?: number;
  validationFraction?: number;
  /** L2 and L1 penalties of the linear probes. Defaults 1e-3 and 0. */
  l2?: number;
  l1?: number;
  /**
   * Convergence tolerance of the linear probes' optimiser (relative objective decrease per epoch).
   * Default 1e-6. The demo uses 1e-4 to stay within its time budget: 2× fewer epochs, and on the
   * ViT's last layer the mean multi-neuron test AUC over 70 subcategories is 0.924 instead of 0.932.
   */
  tolerance?: number;
  /** Hidden units of the MLP probe. Default 64. */
  hidden?: number;
  /** MLP probes: one per concept (plus the joint one when exclusive; default), only the joint one, or none. */
  mlp?: 'per-concept' | 'joint' | 'none';
  /** Share of the multi-neuron test AUC the sparse probe must reach. Default 0.95. */
  sparseTarget?: number;
  /** Neurons listed per concept in the JSON. Default 10. */
  topNeurons?: number;
  /** Top images shown per neuron in the report. Default 4. */
  imagesPerNeuron?: number;
}

export interface ProbeHooks {
  onStep?: (message: string) => void;
  onWarning?: (message: string) => void;
}

export interface ProbeResult {
  files: string[];
  report: string;
  layers: ProbeLayer[];
  labels: Pick<ConceptLabels, 'names' | 'exclusive' | 'skipped' | 'source'>;
  warnings: string[];
}

function settingsOf(options: ProbeOptions, labels: ConceptLabels, pooling: string): { core: CoreSettings; json: Record<string, unknown> } {
  const seed = options.seed ?? PROBE_DEFAULTS.seed;
  const core: CoreSettings = {
    split: { test: options.testFraction ?? PROBE_DEFAULTS.testFraction, validation: options.validationFraction ?? 0.1, seed },
    l2: options.l2 ?? 1e-3,
    l1: options.l1 ?? PROBE_DEFAULTS.l1,
    tolerance: options.tolerance ?? PROBE_DEFAULTS.tolerance,
    hidden: options.hidden ?? PROBE_DEFAULTS.hidden,
    mlp: options.mlp ?? 'per-concept',
    sparseTarget: options.sparseTarget ?? 0.95,
    shuffleSeed: seed + 1,
    mlpSeed: seed,
    topNeurons: options.topNeurons ?? 10,
    exclusive: labels.exclusive,
    bootstrap: { resamples: checkNumber('bootstrapResamples', options.bootstrapResamples ?? PROBE_DEFAULTS.bootstrapResamples, 1, true), seed: seed + 2 },
  };
  const json = {
    labels: { source: labels.source as LabelSource, exclusive: labels.exclusive, concepts: labels.names.length, minPositives: Math.max(2, options.minPositives ?? 2), skipped: labels.skipped },
    pooling,
    split: {
      ...core.split,
      stratify: 'per concept; the joint probes share one split stratified on the class (exclusive) or the first concept',
    },
    standardise: 'train-split mean and std',
    seeds: { split: seed, shuffledControl: core.shuffleSeed, mlp: core.mlpSeed, bootstrap: core.bootstrap.seed },
    linear: { l2: core.l2, l1: core.l1, tolerance: core.tolerance },
    mlp: { hidden: core.hidden, probes: core.mlp },
    sparse: { target: core.sparseTarget },
    topNeurons: core.topNeurons,
    bootstrap: {
      resamples: core.bootstrap.resamples,
      confidence: 0.95,
      method: 'percentile bootstrap of the test split, positives and negatives resampled separately; widened to the Wilson score interval (accuracy: over the test images; AUC: over the smaller class)',
    },
    minTestPositives: minTestPositivesOf(options),
  };
  return { core, json };
}

const minTestPositivesOf = (options: ProbeOptions) => checkNumber('minTestPositives', options.minTestPositives ?? PROBE_DEFAULTS.minTestPositives, 1, true);

/** What the numerical core needs, resolved from {@link ProbeOptions}. */
interface CoreSettings {
  split: { test: number; validation: number; seed: number };
  l2: number;
  l1: number;
  tolerance: number;
  hidden: number;
  mlp: 'per-concept' | 'joint' | 'none';
  sparseTarget: number;
  shuffleSeed: number;
  mlpSeed: number;
  topNeurons: number;
  exclusive: boolean;
  bootstrap: { resamples: number; seed: number };
}

/** Six significant decimals: readable JSON, and float32 noise never shows. NaN (undefined) → null. */
const round = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 || 0 : null);
const scores = (m: CoreMetrics): Scores => ({ accuracy: round(m.accuracy), balancedAccuracy: round(m.balancedAccuracy), auc: round(m.auc) });
const withParts = (m: { train: CoreMetrics; validation: CoreMetrics; test: CoreMetrics }, epochs?: number): ProbeScores => ({
  train: scores(m.train),
  // An empty validation part (tiny classes) has no metrics; leave it out rather than write nulls.
  ...(m.validation.count > 0 ? { validation: scores(m.validation) } : {}),
  test: scores(m.test),
  ...(epochs === undefined ? {} : { epochs }),
});

/** The 95 % intervals of test probabilities `p` (in `split.test` order) against y, rounded like the metrics. */
function intervals(p: Float64Array, y: Uint8Array, split: Split, s: CoreSettings): NonNullable<ProbeScores['ci']> {
  const ci = bootstrapIntervals(p, Uint8Array.from(split.test, (r) => y[r]!), s.bootstrap);
  const both = (i: Interval | null): Interval | null => (i ? [round(i[0]) ?? 0, round(i[1]) ?? 0] : null);
  return { auc: both(ci.auc), accuracy: both(ci.accuracy) };
}

/** σ(w·(x − mean)/std + b) of neuron j on the test rows: what the single-neuron metrics score. */
function singleProbabilities(X: Matrix, j: number, fit: { w: number; b: number; mean: number; std: number }, rows: Int32Array): Float64Array {
  return Float64Array.from(rows, (r) => 1 / (1 + Math.exp(-(fit.w * ((X.data[r * X.cols + j]! - fit.mean) / fit.std) + fit.b))));
}

/** X standardised with the train rows' statistics (the core's probes then skip their own pass). */
const standardised = (X: Matrix, split: Split): Matrix => standardiser(X, split.train).apply(X);

/** Every probe of one concept on its own stratified split. */
function probeConcept(X: Matrix, name: string, y: Uint8Array, s: CoreSettings): ConceptProbes {
  const split = stratifiedSplit(y, s.split);
  const Xs = standardised(X, split);
  const linear = { l2: s.l2, l1: s.l1, tolerance: s.tolerance, standardise: false };
  const multi = trainLogistic(Xs, y, split, linear);
  // Neurons are ranked (and the best one chosen) on the rows the probes saw — train + validation —
  // so that picking the best of hundreds does not inflate the reported test AUC.
  const heldIn = Int32Array.from([...split.train, ...split.validation]).sort();
  const selection = singleNeuronProbes(Xs, [y], { train: split.train, validation: new Int32Array(0), test: heldIn });
  const single = singleNeuronProbes(Xs, [y], split);
  const ranked = Array.from({ length: X.cols }, (_, j) => j).sort((a, b) => (selection.auc[b]! || 0) - (selection.auc[a]! || 0) || a - b);
  const best = ranked[0]!;
  const shuffled = trainLogistic(Xs, shuffleLabels(y, split, s.shuffleSeed), split, linear);
  const fullAuc = multi.metrics.test.auc;
  const sparse = Number.isFinite(fullAuc) ? sparseK(Xs, y, split, multi.weights, fullAuc, { l2: s.l2, tolerance: s.tolerance, standardise: false, target: s.sparseTarget }) : undefined;
  const reached = sparse?.curve.find((p) => p.k === sparse.k);
  const mlp = s.mlp === 'per-concept' ? trainMlp(Xs, y, split, { hidden: s.hidden, seed: s.mlpSeed, standardise: false }) : undefined;
  const positives = y.reduce((a, v) => a + v, 0);
  return {
    name,
    positives,
    negatives: y.length - positives,
    split: { train: split.train.length, validation: split.validation.length, test: split.test.length, testPositives: split.test.reduce((a, r) => a + y[r]!, 0) },
    probes: {
      singleNeuron: {
        neuron: best,
        heldInAuc: round(selection.auc[best]!),
        test: { accuracy: round(single.accuracy[best]!), balancedAccuracy: round(single.balancedAccuracy[best]!), auc: round(single.auc[best]!) },
        ci: intervals(singleProbabilities(Xs, best, { w: single.weight[best]!, b: single.bias[best]!, mean: single.mean[best]!, std: single.std[best]! }, split.test), y, split, s),
      },
      multiNeuron: { ...withParts(multi.metrics, multi.epochs), ci: intervals(multi.testProbabilities, y, split, s) },
      multiConcept: null,
      mlp: mlp ? { ...withParts(mlp.metrics[0]!, mlp.epochs[0]), ci: intervals(mlp.testProbabilities[0]!, y, split, s) } : null,
    },
    baselines: { majority: scores(baselines(y, split).majority), shuffled: scores(shuffled.metrics.test) },
    sparse: {
      k: sparse && reached && reached.auc >= sparse.threshold ? sparse.k : null,
      target: s.sparseTarget,
      targetAuc: sparse ? round(sparse.threshold) : null,
      curve: sparse ? sparse.curve.map((p) => ({ k: p.k, auc: round(p.auc) })) : [],
    },
    topNeurons: ranked.slice(0, s.topNeurons).map((j) => ({
      neuron: j,
      heldInAuc: round(selection.auc[j]!),
      auc: round(single.auc[j]!),
      accuracy: round(single.accuracy[j]!),
      weight: round(multi.weights[j]!) ?? 0,
    })),
  };
}

/** Rows `rows` of X as a new matrix. */
function takeRows(X: Matrix, rows: Int32Array): Matrix {
  if (rows.length === X.rows) return X;
  const out = new Float32Array(rows.length * X.cols);
  rows.forEach((r, i) => out.set(X.data.subarray(r * X.cols, (r + 1) * X.cols), i * X.cols));
  return { data: out, rows: rows.length, cols: X.cols };
}

/**
 * The joint probes on one shared split: the multi-concept probe (per-concept metrics) and, for
 * exclusive concepts, the softmax class accuracy and the joint MLP. Exclusive concepts are fitted
 * on the images that have one of them (the split stratified on that class); otherwise on every
 * image, the split stratified on the first concept.
 */
function probeJoint(X: Matrix, Y: Uint8Array[], s: CoreSettings): { perConcept: ProbeScores[]; joint: ProbeLayer['joint'] } {
  const linear = { l2: s.l2, l1: s.l1, tolerance: s.tolerance, standardise: false };
  if (!s.exclusive) {
    const split = stratifiedSplit(Y[0]!, s.split);
    const multi = trainMultiConcept(standardised(X, split), Y, split, { ...linear, exclusive: false });
    return { perConcept: multi.metrics.map((m) => withParts(m, multi.epochs)), joint: null };
  }
  const rows = Int32Array.from({ length: X.rows }, (_, i) => i).filter((i) => Y.some((y) => y[i] === 1));
  const classes = Int32Array.from(rows, (r) => Y.findIndex((y) => y[r] === 1));
  const Xr = takeRows(X, rows);
  const split = stratifiedSplit(classes, s.split);
  const Xs = standardised(Xr, split);
  const multi = trainMultiConcept(Xs, classes, split, { ...linear, exclusive: true });
  const mlp = s.mlp === 'none' ? undefined : trainMlp(Xs, classes, split, { hidden: s.hidden, seed: s.mlpSeed, standardise: false });
  // Majority baseline of the class variable: the most frequent train class, scored on test.
  const counts = new Int32Array(Y.length);
  for (const r of split.train) counts[classes[r]!]!++;
  const majority = counts.indexOf(Math.max(...counts));
  const majorityShare = split.test.length > 0 ? split.test.reduce((a, r) => a + (classes[r] === majority ? 1 : 0), 0) / split.test.length : NaN;
  const classScores = (a: { train: number; validation: number; test: number } | undefined): ProbeScores | null =>
    a ? { train: { accuracy: round(a.train), balancedAccuracy: null, auc: null }, test: { accuracy: round(a.test), balancedAccuracy: null, auc: null } } : null;
  return {
    perConcept: multi.metrics.map((m) => withParts(m, multi.epochs)),
    joint: { multiConcept: classScores(multi.classAccuracy), mlp: classScores(mlp?.classAccuracy), majority: round(majorityShare) },
  };
}

export async function runProbes(options: ProbeOptions, hooks: ProbeHooks = {}): Promise<ProbeResult> {
  return withRunLock(options.run, 'probe', () => runProbesLocked(options, hooks));
}

async function runProbesLocked(options: ProbeOptions, hooks: ProbeHooks): Promise<ProbeResult> {
  const pooling = options.pooling ?? PROBE_DEFAULTS.pooling;
  const run = await openRun(options.run, { layers: options.layers ?? 'all', poolings: [pooling], poolingOption: '--pooling' });
  const { manifest, images, layers } = run;

  hooks.onStep?.('reading concept labels');
  const labels = await conceptLabels(options.run, { labels: options.labels, concepts: options.concepts }, manifest, images, options.minPositives);
  for (const w of labels.warnings) hooks.onWarning?.(w);
  const { core, json: settings } = settingsOf(options, labels, pooling);

  const dir = join(options.run, 'probes');
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const results: ProbeLayer[] = [];
  const neuronImages = new Map<string, Map<number, number[]>>();
  const perNeuron = options.imagesPerNeuron ?? 4;
  for (const layer of layers) {
    const X: Matrix = { data: await run.readActivations(layer, pooling), rows: manifest.images.count, cols: layer.channels };
    const concepts: ConceptProbes[] = [];
    for (let c = 0; c < labels.names.length; c++) {
      hooks.onStep?.(`${layer.id}: concept ${c + 1}/${labels.names.length} ${JSON.stringify(labels.names[c])}`);
      concepts.push(probeConcept(X, labels.names[c]!, labels.Y[c]!, core));
    }
    hooks.onStep?.(`${layer.id}: multi-concept probe${labels.exclusive && core.mlp !== 'none' ? ' and joint MLP' : ''}`);
    const joint = probeJoint(X, labels.Y, core);
    concepts.forEach((c, i) => (c.probes.multiConcept = joint.perConcept[i] ?? null));
    const result: ProbeLayer = {
      format: 'neurolens-probes',
      formatVersion: 1,
      layer: { id: layer.id, tensor: layer.tensor, channels: layer.channels },
      pooling,
      images: X.rows,
      settings,
      concepts,
      joint: joint.joint,
      headline: probeHeadline(concepts, minTestPositivesOf(options)),
    };
    const path = join(dir, `${layerFileStem(layer.id)}.json`);
    await writeJsonAtomic(path, result);
    files.push(path);
    results.push(result);

    // The report's neuron rows: each listed neuron's top images from the recorded summaries.
    const topk = await readNpy(run.layout.topk(layer.id, pooling)).catch(() => undefined);
    const byNeuron = new Map<number, number[]>();
    if (topk) {
      const k = topk.shape[1]!;
      const data = topk.data as Int32Array;
      for (const n of new Set(concepts.flatMap((c) => c.topNeurons.slice(0, 5).map((t) => t.neuron)))) {
        byNeuron.set(n, Array.from(data.subarray(n * k, n * k + Math.min(k, perNeuron))));
      }
    }
    neuronImages.set(layer.id, byNeuron);
  }

  hooks.onStep?.('writing the report');
  const shown = [...new Set([...neuronImages.values()].flatMap((m) => [...m.values()].flat()))].sort((a, b) => a - b);
  const paths = new Map(images.map((row) => [Number(row.index), row.path]));
  const thumbs = await thumbnails(manifest.images.root, shown.map((i) => ({ index: i, path: paths.get(i)! })).filter((i) => i.path !== undefined));
  const report = join(dir, 'report.html');
  const title = `probes — ${manifest.model.path.split('/').pop()} on ${manifest.images.source}`;
  await writeFileAtomic(report, renderProbeReport({ title, layers: results, neuronImages, thumbnails: thumbs, paths, imagesPerNeuron: perNeuron }));
  return { files, report, layers: results, labels: { names: labels.names, exclusive: labels.exclusive, skipped: labels.skipped, source: labels.source }, warnings: labels.warnings };
}
