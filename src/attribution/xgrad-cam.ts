/**
 * XGrad-CAM (Fu et al., 2020): channel weights chosen to satisfy the paper's sensitivity and
 * conservation axioms — the gradient averaged over positions weighted by the channel's own
 * normalised activation: w_c = Σ_p (A_c(p) / Σ_q A_c(q)) · G_c(p); map = ReLU(Σ_c w_c·A_c), the
 * ReLU as in Grad-CAM (the paper's map keeps it). A channel whose activations sum to 0 gets weight 0
 * (its normalised map is undefined; the reference implementations add a tiny ε to the sum to the
 * same effect for an all-zero channel). G is the bound target's gradient (grad-cam.ts), any
 * target. Passes: one gradient pass.
 */
import { weightedSum } from './cam.js';
import { layerGradientMethod, mapSum, type LayerGradients } from './grad-cam.js';

/** XGrad-CAM channel weights (float64). */
export function xgradCamWeights({ acts, grads }: LayerGradients): Float64Array {
  return Float64Array.from(acts, (a, c) => {
    const total = mapSum(a);
    if (total === 0) return 0;
    const g = grads[c]!.data;
    let w = 0;
    for (let p = 0; p < g.length; p++) w += a.data[p]! * g[p]!;
    return w / total;
  });
}

export const xgradCam = layerGradientMethod('xgrad-cam', 'layer maps weighted by their activation-weighted target gradient, ReLU; one gradient pass', (m) => weightedSum(m.acts, xgradCamWeights(m), true));
