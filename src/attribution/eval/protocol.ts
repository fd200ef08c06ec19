/**
 * The evaluation protocol, written verbatim into eval.json (`protocol`) and eval.md, so a result
 * states exactly how its numbers were made.
 */
import type { CurveBaselines } from './evaluate.js';
import { round6 } from './curves.js';
import { REFERENCE_MAPS } from './smooth-random.js';
import type { CurveKind } from './types.js';

/** The settings a protocol describes (all written into eval.json). */
export interface ProtocolSettings {
  /** The curves run, canonical order. */
  curves: readonly CurveKind[];
  /** S: curve points k = 0…S. */
  steps: number;
  /** Side of the square units in input pixels. */
  unit: number;
  /** Number of units U. */
  units: number;
  /** The unit grid [rows, cols]. */
  grid: [number, number];
  /** Baselines of pixel flipping, deletion and insertion. */
  baselines: CurveBaselines;
  /** Quantity of class targets ('activation' targets ignore it). */
  quantity: string;
  /** The target's `--target` spelling. */
  target: string;
  /** Random maps per image. */
  randomMaps: number;
  /** The smooth random grids of the unit grid and their reference unit autocorrelations. */
  smoothGrids: readonly { k: number; autocorrelation: number }[];
  /** Seed of the random maps and the randomised weights. */
  seed: number;
  /** Where the maps came from, in words. */
  maps: string;
  /** Per method, the options (and class-target quantity) the maps were computed with. */
  methodOptions: Record<string, unknown>;
  /** The cascade (null without --sanity): the step limit, the number of parameterised layers, the steps run. */
  sanity: { maxSteps: number; layers: number; steps: number[] } | null;
}

export function buildProtocol(s: ProtocolSettings): Record<string, unknown> {
  const text = [
    `Units: the map is averaged over non-overlapping ${s.unit}×${s.unit}-pixel patches of the model input (edge patches may be smaller and are averaged over their own pixels): ${s.grid[0]}×${s.grid[1]} = ${s.units} units, numbered row-major. unit 1 = pixels.`,
    'Orders: MoRF ranks units by mean map value descending, LeRF ascending; equal values keep the lower unit index first (both directions), so the order is deterministic.',
    `Steps: S = ${s.steps}; curve point k = 0…S has the first n_k = round(k·U/S) units of the order perturbed (Math.round, halves up); x = k/S.`,
    `Baselines (src/attribution/fill.ts, on the preprocessed input tensor): MoRF/LeRF (pixel flipping, Samek et al. 2017) replace units by '${s.baselines.flip}'; deletion (Petsiuk et al. 2018) = MoRF order replacing by '${s.baselines.deletion}'; insertion starts from the '${s.baselines.insertion}' image and restores original units in MoRF order. 'zero' = input tensor 0 (the normalisation mean colour), 'mean' = the image's per-channel mean, 'blur' = Gaussian blur with σ = 10·s/224 px (s = shorter input side). When deletion and pixel flipping share a baseline the deletion curve is the MoRF curve (not re-run).`,
    `Scores: BoundTarget.score of the target (${s.target}); class targets use the ${s.quantity}, neuron/circuit targets their mean activation. All perturbed images of an image (every curve of every map) go through one score call per image (split by the Attributor into runs of at most maxBatch). The clean image and each baseline image are scored once and are the end points of every curve; "clean" below is the clean image's score in that call.`,
    "Normalisation: y = (raw − offset)/scale, per curve family and image (recorded under normalisation). 'ratio' y = raw/clean for probabilities and activations with clean > 0 (their zero is meaningful); 'range' y = (raw − end)/(clean − end) otherwise (logits are shift-invariant; a ratio flips sign for clean ≤ 0), end = the score of the family's all-baseline image, so y = 1 on the clean image and 0 on the baseline; 'shift' y = raw − end when |clean − end| ≤ 1e-6·max(1, |clean|, |end|).",
    'AUC: trapezoid area under the normalised curve over x ∈ [0, 1] (Σ_k (y_k + y_{k+1})/2 · 1/S); rawAuc: the same for the raw scores. These are areas UNDER the curve for every curve kind. MoRF and deletion: lower AUC = better map (the score falls fast). LeRF and insertion: higher AUC = better map. ABPC (area between perturbation curves) = AUC(LeRF) − AUC(MoRF) of the same map, higher = better.',
    `Random-map baseline: ${s.randomMaps} uniform [0,1) pixel map(s) per image (mulberry32, seed mixed from --seed ${s.seed}, the image index and the map index), evaluated with the same units, steps and baselines; reported as the mean AUC over the random maps. A random map's LeRF order is again a uniformly random order, so one random-order curve is run and reported under both morf and lerf.`,
    s.randomMaps === 0 || s.smoothGrids.length === 0
      ? 'Smoothness-matched random baseline: not run (no random maps, or fewer than 2 units a side).'
      : `Smoothness-matched random baseline: scattered random maps remove units spread over the whole image, which with a constant baseline breaks every shape at once, so a smooth map (removing contiguous blobs) is also compared with random maps as smooth as it: uniform [0,1) values on a k×k grid upsampled bilinearly (cell-centred, clamped), ${s.randomMaps} per image and grid (seeds mixed from --seed, the image index, the map index and k), same units, steps and baselines, morf also standing for lerf. Smoothness = unit autocorrelation: the Pearson correlation of the MoRF rank positions of horizontally and vertically adjacent units. Each grid k ∈ {${s.smoothGrids.map((g) => g.k).join(', ')}} has a reference autocorrelation, the mean over ${REFERENCE_MAPS} seeded smooth maps (fixed seeds): ${s.smoothGrids.map((g) => `${g.k}×${g.k} ${g.autocorrelation.toFixed(3)}`).join(', ')}. Each map (per image and method) gets the finest grid whose reference is at least its own autocorrelation, or the coarsest when it is smoother than all.`,
    'Checks: a method whose mean MoRF or deletion AUC is not below (≥) the scattered random maps\' is flagged "less faithful than random on this model" (checks.lessFaithfulThanRandom in aggregate, ✗ in the tables); the comparison with the smoothness-matched random maps is recorded beside it and stated in the reason.',
    s.sanity === null
      ? 'Sanity check: not run (--sanity).'
      : `Sanity check (Adebayo et al. 2018, cascading randomisation): parameterised layers = Conv/ConvTranspose/Gemm/MatMul nodes with float32 initializer weights (with their bias: Conv/Gemm input 2, or the initializer of the Add consuming a MatMul), in node (topological) order, counted from the output: ${s.sanity.layers} layer(s). Step j re-initialises the top j layers with N(0, σ²), σ = population std of each original tensor, mulberry32 seeded by (seed, layer position) so a layer keeps its values across steps; steps ${s.sanity.steps.join(', ')} (all layers up to ${s.sanity.maxSteps} steps, else ${s.sanity.maxSteps} evenly spaced). Targets are fixed on the original model ('pred' → the original prediction). Per step: Spearman rank correlation (average ranks for ties) of the maps and of |map|, and Pearson correlation of |map|, over all H×W pixels; a constant map gives correlation 0.`,
    `Maps: ${s.maps}.`,
    'Aggregates: mean ± sample standard deviation (n − 1; null for one image) over images; mean curves are pointwise means of y (a method\'s smoothness-matched random mean curve averages, per image, the smooth maps of the grid that image\'s map was matched to). All numbers are rounded to 6 significant digits; the file holds no timings, so identical inputs give identical bytes.',
  ];
  return {
    curves: s.curves,
    steps: s.steps,
    unit: s.unit,
    units: s.units,
    grid: s.grid,
    baselines: { morf: s.baselines.flip, lerf: s.baselines.flip, deletion: s.baselines.deletion, insertion: s.baselines.insertion },
    quantity: s.quantity,
    target: s.target,
    normalisation: "y = (raw − offset)/scale: 'ratio' (probability, or activation with clean > 0), else 'range' ((raw − end)/(clean − end)), 'shift' if clean ≈ end",
    auc: 'trapezoid area under the normalised curve, x = k/S over [0, 1]; lower is better for morf and deletion, higher for lerf and insertion; abpc = auc(lerf) − auc(morf), higher is better',
    randomMaps: s.randomMaps,
    smoothGrids: s.smoothGrids.map((g) => ({ k: g.k, autocorrelation: round6(g.autocorrelation) })),
    seed: s.seed,
    maps: s.maps,
    methodOptions: s.methodOptions,
    sanity: s.sanity,
    text,
  };
}
