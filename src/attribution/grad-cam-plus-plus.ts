/**
 * Grad-CAM++ (Chattopadhay et al., 2018): channel weights from positive gradients, each position
 * weighted by α so that small activated regions count as much as large ones.
 *
 * The paper derives α in closed form for an exponential output Y = exp(S) (S the target score):
 * with ∂Y/∂A = exp(S)·G, ∂²Y/∂A² = exp(S)·G², ∂³Y/∂A³ = exp(S)·G³ (G = ∂S/∂A, second
 * derivatives of S through ReLU networks taken as 0), the exp(S) factors cancel in α:
 *   α_c(p) = G_c(p)² / (2·G_c(p)² + Σ_q A_c(q) · G_c(p)³)
 * and w_c = Σ_p α_c(p)·ReLU(G_c(p)) — the paper's weights up to the positive factor exp(S), which
 * the min–max-normalised map does not see. map = ReLU(Σ_c w_c·A_c). Where G_c(p) = 0 or the
 * denominator is 0, α = 0 (the reference implementations guard the same 0/0). G is the bound
 * target's gradient (grad-cam.ts), so neuron and circuit targets work as class targets do.
 * Passes: one gradient pass.
 */
import { weightedSum } from './cam.js';
import { layerGradientMethod, mapSum, type LayerGradients } from './grad-cam.js';

/** Grad-CAM++ channel weights w_c = Σ_p α_c(p)·ReLU(G_c(p)) (float64). */
export function gradCamPlusPlusWeights({ acts, grads }: LayerGradients): Float64Array {
  return Float64Array.from(grads, (g, c) => {
    const total = mapSum(acts[c]!);
    let w = 0;
    for (const gp of g.data) {
      if (gp <= 0) continue; // ReLU(G) = 0: the position adds nothing whatever α is
      const g2 = gp * gp;
      const denominator = 2 * g2 + total * g2 * gp;
      if (denominator !== 0) w += (g2 / denominator) * gp;
    }
    return w;
  });
}

export const gradCamPlusPlus = layerGradientMethod('grad-cam++', 'Grad-CAM with α-weighted positive gradients (closed form); one gradient pass', (m) => weightedSum(m.acts, gradCamPlusPlusWeights(m), true));
