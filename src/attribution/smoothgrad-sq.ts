/**
 * SmoothGrad-squared (Hooker et al., 2019): the mean over SmoothGrad's noisy copies of the squared
 * input gradient, max over channels — large where the gradient is large in any direction on the
 * noisy neighbourhood, unlike SmoothGrad whose signed mean can cancel. Samples, noise and seed as
 * smoothgrad.ts; one forward + one backward per sample.
 */
import { maxOverChannels } from './input-gradient.js';
import type { AttributionMethodSpec } from './method.js';
import { NOISE_OPTIONS, noisyMethod } from './smoothgrad.js';

export const smoothgradSq: AttributionMethodSpec = {
  name: 'smoothgrad-sq',
  summary: 'mean squared gradient over noisy copies; 1 forward + 1 backward per sample',
  options: NOISE_OPTIONS,
  rawGradient: '∂target/∂input averaged over the noisy copies',
  attribute: (run) => noisyMethod(run, (g) => maxOverChannels(g.meanSquare, run.shape)),
};
