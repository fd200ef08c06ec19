/**
 * Shared types of the probes (issue 6): how well a layer's neurons — one at a time, all together,
 * or through a small MLP — predict labelled concepts. The numerical core (split, standardise,
 * metrics, logistic, single, multi, mlp, optim) works on plain typed arrays; the pipeline
 * (pipeline.ts, labels.ts, report.ts) reads runs and writes reports on top of it.
 *
 * Conventions shared by every probe:
 * - Activations are a row-major {@link Matrix}, images × neurons.
 * - Concept labels are one `Uint8Array` of 0/1 per concept (one entry per image), or an
 *   `Int32Array` of class indices 0..K−1 when the concepts are mutually exclusive.
 * - A {@link Split} names the rows used for fitting (train), for early stopping (validation) and
 *   for every reported number (test). Features are standardised with train statistics only.
 * - Objectives are the MEAN log loss over the training rows plus (l2/2)‖w‖² (+ l1‖w‖₁); biases
 *   are never penalised. Weights are reported in standardised units (per train std of the neuron).
 * - Everything is deterministic: single-threaded, fixed summation order, seeded randomness.
 */

/** A dense row-major matrix: `rows` images × `cols` neurons; entry (i, j) is `data[i * cols + j]`. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

/** Row indices of the three disjoint parts of a split, each sorted ascending. */
export interface Split {
  /** Rows the probes are fitted on (and whose statistics standardise the features). */
  train: Int32Array;
  /** Rows held out of train for early stopping (may be empty: no early stopping then). */
  validation: Int32Array;
  /** Rows every reported metric is computed on. */
  test: Int32Array;
}

/** Options of {@link stratifiedSplit}. */
export interface SplitOptions {
  /** Share of each class held out as the test split, in [0, 1) (default 0.2). */
  test?: number;
  /** Share of each class's remaining (non-test) rows held out for validation, in [0, 1) (default 0.1). */
  validation?: number;
  /** Seed of the shuffle that assigns rows to parts (default 0). */
  seed?: number;
}

/** Classification metrics of probability scores against 0/1 labels on one set of rows. */
export interface ProbeMetrics {
  /** Share of rows whose prediction (probability ≥ 0.5) equals the label; NaN with no rows. */
  accuracy: number;
  /** Mean recall over the classes present: (TPR + TNR) / 2 with both classes, the one recall otherwise; NaN with no rows. */
  balancedAccuracy: number;
  /** ROC-AUC, ties counted half (average ranks); NaN when either class is absent. */
  auc: number;
  /** Rows scored. */
  count: number;
  /** Positive rows among them. */
  positives: number;
}

/** Metrics of one probe on each part of the split. */
export interface SplitMetrics {
  train: ProbeMetrics;
  validation: ProbeMetrics;
  test: ProbeMetrics;
}

/** Options of {@link singleNeuronProbes}. */
export interface SingleNeuronOptions {
  /** L2 penalty on the weight (not the bias), added to the mean log loss as (l2/2)·w² (default 1e-2). */
  l2?: number;
  /** Most Newton iterations per neuron × concept (default 25; the first needs no pass, most fits converge in 2–4). */
  iterations?: number;
  /**
   * Newton stops after a step whose both parts are below tolerance·(1 + |parameter|) (default
   * 1e-4); Newton's quadratic convergence leaves an error of about the square of that step.
   */
  tolerance?: number;
  /** Called after each neuron with (neurons done, neurons in all). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Result of {@link singleNeuronProbes}: every array is concepts × neurons, concept-major
 * (entry c * neurons + j is neuron j for concept c). Metrics are on the test split.
 */
export interface SingleNeuronResult {
  concepts: number;
  neurons: number;
  /** Test ROC-AUC of σ(w·h + b), i.e. of the activation ranked by sign(w); 0.5 when w = 0; NaN when a class is absent from test. */
  auc: Float32Array;
  /** Test accuracy of w·h + b ≥ 0 (probability ≥ 0.5). */
  accuracy: Float32Array;
  /** Test balanced accuracy of the same predictions. */
  balancedAccuracy: Float32Array;
  /** Fitted weight, on the standardised activation. */
  weight: Float32Array;
  /** Fitted bias. */
  bias: Float32Array;
  /** Newton iterations each fit took (0 when the concept has one class only in train). */
  iterations: Uint8Array;
  /** Train mean and std of each neuron, to map weights back to raw activations (w / std). */
  mean: Float64Array;
  std: Float64Array;
}

/** Options of the linear probes ({@link trainLogistic}, {@link trainMultiConcept}, {@link sparseK}). */
export interface LinearOptions {
  /** L2 penalty (l2/2)‖w‖² on the weights (default 1e-3). */
  l2?: number;
  /** L1 penalty l1‖w‖₁ on the weights for sparse probes; > 0 switches L-BFGS to FISTA (default 0). */
  l1?: number;
  /** Most optimiser iterations; each is one full pass over the training rows (default 200). */
  maxEpochs?: number;
  /** Stop when the objective decreases by less than tolerance·max(1, |objective|) in one iteration (default 1e-6). */
  tolerance?: number;
  /** Accepted for symmetry with the MLP; the full-batch optimisers start from zero and use no randomness (default 0). */
  seed?: number;
  /** Keep the parameters of the lowest validation loss and stop after `patience` iterations without a new low (default true; needs validation rows). */
  earlyStopping?: boolean;
  /** Iterations without a new validation low before stopping (default 10). */
  patience?: number;
  /** Standardise features with train statistics first (default true); pass false when X already is. */
  standardise?: boolean;
  /** L-BFGS history length (default 10). */
  memory?: number;
}

/** Result of {@link trainLogistic}. */
export interface LogisticResult {
  /** One weight per neuron, on standardised activations. */
  weights: Float32Array;
  bias: number;
  /** Optimiser iterations run (full passes over train). */
  epochs: number;
  /** Whether the tolerance was met (false when stopped by early stopping or maxEpochs). */
  converged: boolean;
  /** Mean validation log loss of the kept parameters (NaN without validation rows). */
  bestValidationLoss: number;
  metrics: SplitMetrics;
  /** Probability of the concept for each test row, in `split.test` order (what the test metrics score). */
  testProbabilities: Float64Array;
}

/** Options of {@link sparseK}: the refits use the linear options (L2 only; `l1` is ignored). */
export interface SparseKOptions extends LinearOptions {
  /** Share of the full probe's test AUC to reach (default 0.95). */
  target?: number;
  /** Refit a probe on the top-k neurons (default true) or reuse the full probe's weights restricted to them. */
  refit?: boolean;
  /** Bisect between the last power of two below the target and the first above it for the exact smallest k (default true). */
  refine?: boolean;
}

/** One point of the AUC-vs-k curve: the probe on the k neurons of largest |w|. */
export interface SparsePoint {
  k: number;
  auc: number;
  accuracy: number;
  balancedAccuracy: number;
}

/** Result of {@link sparseK}. */
export interface SparseKResult {
  /** Smallest k reaching target × the full probe's test AUC (the neuron count when none does). */
  k: number;
  /** Test AUC threshold that k had to reach. */
  threshold: number;
  /** Points for every k tried, ascending k. */
  curve: SparsePoint[];
  /** Neurons by |w| descending (ties by index); the first k are the sparse probe's. */
  order: Int32Array;
}

/** Options of {@link trainMultiConcept}. */
export interface MultiConceptOptions extends LinearOptions {
  /** Concepts are mutually exclusive classes: one softmax over them; otherwise independent sigmoids. */
  exclusive: boolean;
}

/** Result of {@link trainMultiConcept}. */
export interface MultiConceptResult {
  concepts: number;
  /** concepts × neurons, concept-major, on standardised activations. */
  weights: Float32Array;
  bias: Float32Array;
  epochs: number;
  converged: boolean;
  bestValidationLoss: number;
  /** One-vs-rest metrics of each concept's probability. */
  metrics: SplitMetrics[];
  /** With exclusive classes: share of rows whose most probable class is the label, per split part. */
  classAccuracy?: { train: number; validation: number; test: number };
}

/** Options of {@link trainMlp}. */
export interface MlpOptions {
  /** Hidden ReLU units (default 64). */
  hidden?: number;
  /** L2 penalty (l2/2)‖W‖² on both weight matrices (default 1e-4). */
  l2?: number;
  /** Adam learning rate (default 1e-2). */
  lr?: number;
  /** Most epochs (passes over the shuffled training rows) (default 200). */
  maxEpochs?: number;
  /** Epochs without a new validation-loss low before stopping; the best epoch's parameters are kept (default 10). */
  patience?: number;
  /** Mini-batch size (default 256). */
  batch?: number;
  /** Seed of the initial weights and the batch order (default 0). */
  seed?: number;
  /** With several 0/1 concepts: one network with an output per concept (true) or one network per concept (default false). */
  joint?: boolean;
  /** Standardise features with train statistics first (default true). */
  standardise?: boolean;
  /** Called after every epoch of every network. */
  onProgress?: (progress: { network: number; networks: number; epoch: number; validationLoss: number }) => void;
}

/** Result of {@link trainMlp}. Arrays `epochs` / `bestValidationLoss` hold one entry per network trained. */
export interface MlpResult {
  /** Per concept (one-vs-rest for exclusive classes). */
  metrics: SplitMetrics[];
  /** Per concept: its probability for each test row, in `split.test` order. */
  testProbabilities: Float64Array[];
  epochs: number[];
  bestValidationLoss: number[];
  /** With exclusive classes: argmax accuracy per split part. */
  classAccuracy?: { train: number; validation: number; test: number };
}

/** Result of {@link baselines}. */
export interface Baselines {
  /** Constant prediction of the train prevalence (so the train majority class at threshold 0.5): test metrics. */
  majority: ProbeMetrics;
  /** The majority class of the training rows (1 on a tie). */
  majorityClass: 0 | 1;
}
