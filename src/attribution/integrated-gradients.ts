/**
 * Integrated Gradients (Sundararajan et al., 2017): attribution_i = (x − x')_i · ∫₀¹ ∂f/∂x_i at
 * x' + α(x − x') dα, whose sum over the input equals f(x) − f(x') (completeness). The integral is
 * the MIDPOINT Riemann sum over `steps` equal intervals, α_k = (k + ½)/steps: the same number of
 * gradients as a left or right sum but an error of O(1/steps²) on smooth paths instead of O(1/steps).
 * The map is the SIGNED channel sum of the attributions (positive = raises the target), so the
 * map's own sum is what completeness speaks about.
 *
 * All steps and the baseline (for f(x')) go through the gradient graph in ONE compute call, which
 * splits them into runs of at most maxBatch: steps + 1 images, each one forward + one backward.
 * Each image reports the completeness error |Σ attribution − (f(x) − f(x'))|, absolute and relative
 * to |f(x) − f(x')|, recorded in attribution.json next to the map; f(x) is the clean pass's value.
 *
 * Baselines x' (in the preprocessed tensor space, like fill.ts):
 *  - 'zero': the tensor 0 (the normalisation mean colour);
 *  - 'blur': the image blurred by a strong Gaussian, σ = s/10 px with s the shorter input side
 *    (22.4 px at 224), so edges and texture are gone but the colour layout stays;
 *  - 'mean': every pixel the image's per-channel mean;
 *  - 'noise': seeded Gaussian noise with the image's per-channel mean and standard deviation.
 */
import { Random } from '../util/random.js';
import { fillBaseline, type TensorShape } from './fill.js';
import { gradientCost, sumOverChannels, toChw } from './input-gradient.js';
import { choiceRule, positiveIntegerRule, type AttributionMethodSpec, type MethodOption, type MethodResult, type MethodRun } from './method.js';
import { STEPS_OPTION } from './path.js';
import { SEED_OPTION } from './rise.js';

/** What the path starts from (see the module comment). */
export type PathBaseline = 'zero' | 'blur' | 'mean' | 'noise';
export const PATH_BASELINES: readonly PathBaseline[] = ['zero', 'blur', 'mean', 'noise'];

declare module './types.js' {
  interface MethodOptions {
    /** integrated-gradients: the path's start: 'zero' (input tensor 0, default), 'blur' (strong Gaussian blur of the image), 'mean' (the image's per-channel mean) or 'noise' (seeded Gaussian with the image's per-channel mean and std). */
    baseline?: PathBaseline;
  }
}

/** `--path-baseline`: where a path starts (`attribute eval` has its own `--baseline`). */
export const BASELINE_OPTION: MethodOption = {
  key: 'baseline',
  flag: '--path-baseline',
  placeholder: '<kind>',
  parse: 'string',
  doc: "the path's start: zero (input 0), blur (strong blur of the image), mean (the image's mean colour) or noise (seeded Gaussian)",
  defaultDoc: 'zero',
  default: () => 'zero',
  rule: choiceRule(PATH_BASELINES),
};

/** σ of the 'blur' baseline: s/10 px, s the shorter input side. */
export function strongBlurSigma(shape: TensorShape): number {
  return Math.min(shape.height, shape.width) / 10;
}

/** The baseline tensor x' of `image` (a new array in the image's layout). */
export function pathBaseline(image: Float32Array, shape: TensorShape, kind: PathBaseline, seed: number): Float32Array {
  if (kind === 'zero' || kind === 'mean') return fillBaseline(image, shape, kind);
  if (kind === 'blur') return fillBaseline(image, shape, 'blur', strongBlurSigma(shape));
  const n = shape.height * shape.width;
  const { plane, pixel } = shape.layout === 'NCHW' ? { plane: n, pixel: 1 } : { plane: 1, pixel: shape.channels };
  const out = new Float32Array(image.length);
  const random = new Random(seed);
  for (let c = 0; c < shape.channels; c++) {
    let sum = 0;
    let squares = 0;
    for (let p = 0; p < n; p++) sum += image[c * plane + p * pixel]!;
    const mean = sum / n;
    for (let p = 0; p < n; p++) squares += (image[c * plane + p * pixel]! - mean) ** 2;
    const std = Math.sqrt(squares / n);
    for (let p = 0; p < n; p++) out[c * plane + p * pixel] = mean + std * random.normal();
  }
  return out;
}

/** The IG map of `run` and what it reports (module comment). */
export async function integratedGradients(run: MethodRun, steps: number, baseline: Float32Array): Promise<MethodResult> {
  const { image, shape } = run;
  const size = image.length;
  const inputs = new Float32Array((steps + 1) * size);
  for (let k = 0; k < steps; k++) {
    const alpha = (k + 0.5) / steps;
    const row = k * size;
    for (let i = 0; i < size; i++) inputs[row + i] = baseline[i]! + alpha * (image[i]! - baseline[i]!);
  }
  inputs.set(baseline, steps * size);
  const result = await run.gradients.compute(inputs, steps + 1);
  const grads = result.input!;
  const mean = new Float64Array(size);
  for (let k = 0; k < steps; k++) for (let i = 0; i < size; i++) mean[i]! += grads[k * size + i]!;
  const average = new Float32Array(size);
  const attribution = new Float32Array(size);
  let total = 0;
  for (let i = 0; i < size; i++) {
    average[i] = mean[i]! / steps;
    const a = (image[i]! - baseline[i]!) * (mean[i]! / steps);
    attribution[i] = a;
    total += a;
  }
  const delta = run.clean - result.values[steps]!;
  const error = Math.abs(total - delta);
  const diagnostics: Record<string, number> = { attributionSum: total, scoreDelta: delta, completenessError: error };
  if (delta !== 0) diagnostics.completenessRelative = error / Math.abs(delta);
  return { map: sumOverChannels(attribution, shape), inputGradient: toChw(average, shape), diagnostics, ...gradientCost(steps + 1) };
}

export const integratedGradientsMethod: AttributionMethodSpec = {
  name: 'integrated-gradients',
  summary: '(input − baseline) × mean path gradient; steps + 1 forward + backward',
  options: [STEPS_OPTION, BASELINE_OPTION, SEED_OPTION],
  rawGradient: '∂target/∂input averaged along the path (× (input − baseline) gives the attributions)',
  attribute: (run) => integratedGradients(run, run.options.steps!, pathBaseline(run.image, run.shape, run.options.baseline!, run.options.seed!)),
};
