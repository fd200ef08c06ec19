/**
 * HiResCAM (Draelos & Carin, 2020): the gradient multiplies the activation position by position
 * instead of being averaged per channel first, so the map is exactly the target's first-order
 * contribution of each layer position: map = ReLU(Σ_c A_c ⊙ G_c). For a GAP → linear head read at
 * the pooled layer it equals Grad-CAM; elsewhere it keeps where along each channel the gradient is.
 * G is the bound target's gradient (grad-cam.ts), any target. Passes: one gradient pass.
 */
import { elementwiseSum, layerGradientMethod } from './grad-cam.js';

export const hiresCam = layerGradientMethod('hirescam', 'layer maps times their target gradient, position by position, ReLU; one gradient pass', (m) => elementwiseSum(m, (a, g) => a * g, true));
