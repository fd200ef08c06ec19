/**
 * VarGrad (Adebayo et al., 2018): the variance over SmoothGrad's noisy copies of the input gradient
 * (population variance, mean of squares − square of mean, in float64), max over channels — large
 * where the gradient CHANGES in the image's neighbourhood (near a ReLU's kink), so on a model whose
 * gradient is constant around the image it is 0. Samples, noise and seed as smoothgrad.ts; one
 * forward + one backward per sample.
 */
import { maxOverChannels } from './input-gradient.js';
import type { AttributionMethodSpec } from './method.js';
import { NOISE_OPTIONS, noisyMethod } from './smoothgrad.js';

export const vargrad: AttributionMethodSpec = {
  name: 'vargrad',
  summary: 'gradient variance over noisy copies; 1 forward + 1 backward per sample',
  options: NOISE_OPTIONS,
  rawGradient: '∂target/∂input averaged over the noisy copies',
  attribute: (run) =>
    noisyMethod(run, (g) => {
      const variance = new Float64Array(g.mean.length);
      for (let i = 0; i < variance.length; i++) variance[i] = Math.max(0, g.meanSquare[i]! - g.mean[i]! ** 2);
      return maxOverChannels(variance, run.shape);
    }),
};
