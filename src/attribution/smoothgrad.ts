/**
 * SmoothGrad (Smilkov et al., 2017): the input gradient averaged over `samples` noisy copies of
 * the image, x + N(0, (σ·(max − min))²) per value with σ = `noise` a fraction of the image tensor's
 * range (the paper's "noise level"); the map is max over channels of |mean gradient|, as for the
 * plain gradient. smoothgrad-sq.ts (mean of squared gradients) and vargrad.ts (their variance,
 * Adebayo et al., 2018) reuse the same samples and options.
 *
 * The noise comes from src/util/random.ts seeded with `seed`, drawn sample by sample and value by
 * value, so maps are reproducible and independent of maxBatch. All samples go through the gradient
 * graph in ONE compute call (split into runs of at most maxBatch): `samples` images, each one
 * forward + one backward.
 */
import { Random } from '../util/random.js';
import { gradientCost, inputRange, maxAbsOverChannels, toChw } from './input-gradient.js';
import { positiveIntegerRule, type AttributionMethodSpec, type MethodOption, type MethodResult, type MethodRun } from './method.js';
import { SEED_OPTION } from './rise.js';
import type { AttributionMap } from './types.js';

declare module './types.js' {
  interface MethodOptions {
    /** smoothgrad, smoothgrad-sq, vargrad: noisy copies of the image averaged over. Default 25. */
    samples?: number;
    /** smoothgrad, smoothgrad-sq, vargrad: noise standard deviation as a fraction of the image tensor's range (max − min). Default 0.15. */
    noise?: number;
  }
}

/** `--samples`, shared by the SmoothGrad family. */
export const SAMPLES_OPTION: MethodOption = {
  key: 'samples',
  flag: '--samples',
  placeholder: '<n>',
  parse: 'integer',
  doc: 'noisy copies of the image (one gradient image each)',
  defaultDoc: '25',
  default: () => 25,
  rule: positiveIntegerRule,
};

/** `--noise`, shared by the SmoothGrad family. */
export const NOISE_OPTION: MethodOption = {
  key: 'noise',
  flag: '--noise',
  placeholder: '<σ>',
  parse: 'number',
  doc: "noise std as a fraction of the image's value range",
  defaultDoc: '0.15',
  default: () => 0.15,
  rule: () => ({ ok: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0, text: 'a non-negative number' }),
};

/** The options of the SmoothGrad family, in recorded order. */
export const NOISE_OPTIONS: readonly MethodOption[] = [SAMPLES_OPTION, NOISE_OPTION, SEED_OPTION];

/** Per value over the noisy samples: the mean gradient and the mean squared gradient (float64). */
export interface NoisyGradients {
  mean: Float64Array;
  meanSquare: Float64Array;
  samples: number;
}

/** The gradients of `run.options.samples` noisy copies of the image (module comment). */
export async function noisyGradients(run: MethodRun): Promise<NoisyGradients> {
  const { image } = run;
  const samples = run.options.samples!;
  const sigma = run.options.noise! * inputRange(image);
  const random = new Random(run.options.seed!);
  const size = image.length;
  const inputs = new Float32Array(samples * size);
  for (let s = 0; s < samples; s++) for (let i = 0; i < size; i++) inputs[s * size + i] = image[i]! + sigma * random.normal();
  const grads = (await run.gradients.compute(inputs, samples)).input!;
  const mean = new Float64Array(size);
  const meanSquare = new Float64Array(size);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < size; i++) {
      const g = grads[s * size + i]!;
      mean[i]! += g;
      meanSquare[i]! += g * g;
    }
  }
  for (let i = 0; i < size; i++) {
    mean[i]! /= samples;
    meanSquare[i]! /= samples;
  }
  return { mean, meanSquare, samples };
}

/** A SmoothGrad-family result: `reduce` turns the samples into the map; the raw gradient is their mean. */
export async function noisyMethod(run: MethodRun, reduce: (g: NoisyGradients) => AttributionMap): Promise<MethodResult> {
  const g = await noisyGradients(run);
  return { map: reduce(g), inputGradient: toChw(g.mean, run.shape), ...gradientCost(g.samples) };
}

export const smoothgrad: AttributionMethodSpec = {
  name: 'smoothgrad',
  summary: '|gradient| averaged over noisy copies; 1 forward + 1 backward per sample',
  options: NOISE_OPTIONS,
  rawGradient: '∂target/∂input averaged over the noisy copies',
  attribute: (run) => noisyMethod(run, (g) => maxAbsOverChannels(g.mean, run.shape)),
};
