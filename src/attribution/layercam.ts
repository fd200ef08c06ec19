/**
 * LayerCAM (Jiang et al., 2021): every position weighted by its own positive gradient, so shallow
 * layers (whose channel-mean gradients cancel) still give fine maps: map = ReLU(Σ_c ReLU(G_c) ⊙ A_c).
 * The outer ReLU matters only for negative activations (token layers, layers before a ReLU).
 * G is the bound target's gradient (grad-cam.ts), any target. Passes: one gradient pass.
 */
import { elementwiseSum, layerGradientMethod } from './grad-cam.js';

export const layerCam = layerGradientMethod('layercam', 'layer maps times their positive target gradient, position by position; one gradient pass', (m) => elementwiseSum(m, (a, g) => (g > 0 ? a * g : 0), true));
