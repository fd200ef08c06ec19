/**
 * Guided Backprop (Springenberg et al., 2015, "Striving for simplicity"): the input gradient with
 * every ReLU's backward rule replaced by dx = relu(dy)·[x > 0] (src/grad/rules/guided-relu.ts);
 * the map is max over channels of |guided gradient|, as `gradient`'s, so the two differ only by
 * the rule. Other activations keep their built-in rules. One image through the (guided) gradient
 * graph, built once per Attributor.
 */
import { guidedRelu } from '../grad/rules/guided-relu.js';
import type { RuleSet } from './gradients.js';
import { gradientCost, maxAbsOverChannels, toChw } from './input-gradient.js';
import type { AttributionMethodSpec } from './method.js';

/** The backward-rule overrides of Guided Backprop. */
export const GUIDED_RULES: RuleSet = { name: 'guided', rules: { Relu: guidedRelu.vjp } };

export const guidedBackprop: AttributionMethodSpec = {
  name: 'guided-backprop',
  summary: '|gradient|, ReLUs passing positive gradients only; 1 forward + 1 backward',
  options: [],
  gradientOnly: true,
  rawGradient: 'the guided ∂target/∂input (ReLUs pass only positive gradients)',
  async attribute(run) {
    const grad = (await run.gradients.compute(run.image, 1, { rules: GUIDED_RULES })).input!;
    return { map: maxAbsOverChannels(grad, run.shape), inputGradient: toChw(grad, run.shape), ...gradientCost(1) };
  },
};
