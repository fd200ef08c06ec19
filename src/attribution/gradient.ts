/**
 * Gradient saliency (Simonyan et al., 2014, "Deep inside convolutional networks"): the map is the
 * max over channels of |∂target/∂input| — how much the target moves per unit change of the pixel's
 * most sensitive channel, whatever the direction. One image through the gradient graph.
 */
import { gradientCost, inputGradientOf, maxAbsOverChannels, toChw } from './input-gradient.js';
import type { AttributionMethodSpec } from './method.js';

export const gradient: AttributionMethodSpec = {
  name: 'gradient',
  summary: 'saliency: max over channels of |∂target/∂input|; 1 forward + 1 backward',
  options: [],
  gradientOnly: true,
  rawGradient: '∂target/∂input',
  async attribute(run) {
    const grad = await inputGradientOf(run);
    return { map: maxAbsOverChannels(grad, run.shape), inputGradient: toChw(grad, run.shape), ...gradientCost(1) };
  },
};
