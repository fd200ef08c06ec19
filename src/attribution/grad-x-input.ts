/**
 * Gradient × Input (Shrikumar et al., 2016): map = Σ_c x_c·∂target/∂x_c, SIGNED. The sum is each
 * pixel's first-order share of target(x) − target(0) (exact for a linear model, and for a
 * piecewise-linear ReLU net without biases), so a positive value is a pixel that raises the target
 * and a negative one a pixel that lowers it; taking |·| would rank strong counter-evidence as
 * important, which breaks "larger = more important for the target" that the evaluation relies on.
 * x is the preprocessed input tensor, so 0 is the normalisation mean colour. One image through the
 * gradient graph.
 */
import { gradientCost, inputGradientOf, sumOverChannels, toChw } from './input-gradient.js';
import type { AttributionMethodSpec } from './method.js';

export const gradXInput: AttributionMethodSpec = {
  name: 'grad-x-input',
  summary: 'input × ∂target/∂input, signed sum over channels; 1 forward + 1 backward',
  options: [],
  gradientOnly: true,
  rawGradient: '∂target/∂input',
  async attribute(run) {
    const grad = await inputGradientOf(run);
    const product = new Float32Array(grad.length);
    for (let i = 0; i < grad.length; i++) product[i] = grad[i]! * run.image[i]!;
    return { map: sumOverChannels(product, run.shape), inputGradient: toChw(grad, run.shape), ...gradientCost(1) };
  },
};
