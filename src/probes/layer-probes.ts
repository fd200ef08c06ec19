/**
 * The probes of one recorded layer: the stored format (RUN/probes/LAYER.json, ProbeLayer) and how
 * each concept's probes are fitted on the layer's activations.
 *
 * Per concept:
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
 */
import { baselines } from './metrics.js';
import { sparseK, trainLogistic } from './logistic.js';
import { trainMlp } from './mlp.js';
import { trainMultiConcept } from './multi.js';
import { singleNeuronProbes } from './single.js';
import { shuffleLabels, stratifiedSplit } from './split.js';
import { standardiser } from './standardise.js';
import type { Matrix, ProbeMetrics as CoreMetrics, Split } from './types.js';
import { bootstrapIntervals, type Interval } from './bootstrap.js';
import type { ProbeHeadline } from './headline.js';

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

/** What the numerical core needs, resolved from the probe options (pipeline.ts). */
export interface CoreSettings {
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
export function probeConcept(X: Matrix, name: string, y: Uint8Array, s: CoreSettings): ConceptProbes {
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
export function probeJoint(X: Matrix, Y: Uint8Array[], s: CoreSettings): { perConcept: ProbeScores[]; joint: ProbeLayer['joint'] } {
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
