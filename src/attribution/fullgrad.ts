/**
 * FullGrad (Srinivas & Fleuret, 2019, "Full-gradient representation for neural network
 * visualization"): f(x) = ∇ₓf·x + Σ_layers Σ (∂f/∂z ⊙ b) for a ReLU net, so the saliency adds the
 * input part and every bias's part:
 *   map = ψ(∇ₓf ⊙ x) summed over channels + Σ_layers upsample(ψ(∂f/∂z ⊙ b) summed over channels)
 * where z is a layer's output and b its bias broadcast over z: a Conv's bias input, and
 * BatchNormalization's effective shift β − mean·γ/√(var + ε) (its output is x·γ/√(var+ε) + that).
 *
 * ψ follows the authors' reference implementation (fullgrad-saliency, `_postProcess`): |·|, then
 * min–max rescaled to [0, 1] over the part's whole C·H·W tensor (not per channel), then summed over
 * channels. Two deliberate differences: a constant part is 0 (the reference divides by max + 1e-6
 * instead of max), and the upsampling is region.ts upsampleBilinear (align_corners=false, as
 * every other map here) where the reference uses align_corners=True. Like the reference, only
 * spatial layers count (outputs [N,C,H,W]): a Gemm's bias part has no position, so summed over
 * channels it is one number spread evenly, which would only shift the map. Layers whose output
 * the target does not depend on (after a neuron target's layer) add nothing and are skipped; a
 * bias that is not a constant of the graph is skipped too.
 *
 * One image through the gradient graph (input and every bias layer's output differentiated at once).
 */
import { upsampleBilinear } from '../maps/region.js';
import { indexGraph, nodeInputs, type GraphIndex } from '../onnx/graph.js';
import { tensorDims, tensorFloat32 } from '../onnx/tensor.js';
import type { ModelProto } from '../onnx/types.js';
import type { TensorLike } from '../runtime/types.js';
import type { TensorShape } from './fill.js';
import { attr, constant } from './head.js';
import { gradientCost, sumOverChannels, toChw } from './input-gradient.js';
import type { AttributionMethodSpec, MethodResult, MethodRun } from './method.js';
import type { AttributionMap } from './types.js';

/** A layer output with a per-channel bias. */
export interface BiasLayer {
  /** The layer's output tensor z. */
  tensor: string;
  /** Its bias per channel (added to z[:, c, …]). */
  bias: Float32Array;
  /** The node, for messages and tests. */
  node: string;
}

/** The Conv biases and BatchNormalization shifts of `model` that are constants, in graph order. */
export function biasLayers(model: ModelProto): BiasLayer[] {
  const index = indexGraph(model.graph!);
  const out: BiasLayer[] = [];
  index.nodes.forEach((node, i) => {
    const inputs = node.input ?? [];
    const tensor = node.output?.[0];
    if (!tensor) return;
    const name = node.name || `#${i}`;
    if (node.opType === 'Conv' && inputs[2]) {
      const weight = constant(index, inputs[1] ?? '');
      const bias = constant(index, inputs[2]);
      // Only 2-D convolutions give [N,C,H,W] maps.
      if (bias && (!weight || tensorDims(weight).length === 4)) out.push({ tensor, bias: tensorFloat32(bias), node: name });
    } else if (node.opType === 'BatchNormalization') {
      const shift = batchNormShift(index, inputs, attr(node, 'epsilon', 1e-5));
      if (shift) out.push({ tensor, bias: shift, node: name });
    }
  });
  return out;
}

/** β − mean·γ/√(var + ε), or undefined when a parameter is not a constant. */
function batchNormShift(index: GraphIndex, inputs: readonly string[], epsilon: number): Float32Array | undefined {
  const [scale, beta, mean, variance] = inputs.slice(1, 5).map((name) => constant(index, name ?? ''));
  if (!scale || !beta || !mean || !variance) return undefined;
  const [g, b, m, v] = [scale, beta, mean, variance].map(tensorFloat32) as [Float32Array, Float32Array, Float32Array, Float32Array];
  return Float32Array.from(b, (bc, c) => bc - (m[c]! * g[c]!) / Math.sqrt(v[c]! + epsilon));
}

/** Tensors `targets` depend on (walking producers back through the graph). */
function ancestors(model: ModelProto, targets: readonly string[]): Set<string> {
  const index = indexGraph(model.graph!);
  const seen = new Set<string>(targets);
  const stack = [...targets];
  while (stack.length > 0) {
    const at = index.producers.get(stack.pop()!);
    if (at === undefined) continue;
    for (const name of nodeInputs(index.nodes[at]!)) {
      if (!seen.has(name)) {
        seen.add(name);
        stack.push(name);
      }
    }
  }
  return seen;
}

/** ψ in place: |v|, then min–max to [0, 1] over the whole array (0 when constant). */
function rescaleAbs(values: Float32Array): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i]!);
    values[i] = v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const range = hi - lo;
  for (let i = 0; i < values.length; i++) values[i] = range > 0 ? (values[i]! - lo) / range : 0;
  return values;
}

/** One bias layer's part: ψ(∂f/∂z ⊙ b) summed over channels, at the input size. */
function biasPart(grad: TensorLike, bias: Float32Array, height: number, width: number): Float32Array | undefined {
  if (grad.dims.length !== 4 || grad.dims[1] !== bias.length) return undefined;
  const [, channels, h, w] = grad.dims as [number, number, number, number];
  const plane = h * w;
  const product = new Float32Array(channels * plane);
  const data = grad.data as Float32Array;
  for (let c = 0; c < channels; c++) for (let p = 0; p < plane; p++) product[c * plane + p] = data[c * plane + p]! * bias[c]!;
  const shape: TensorShape = { channels, height: h, width: w, layout: 'NCHW' };
  const summed = sumOverChannels(rescaleAbs(product), shape);
  return h === height && w === width ? summed.data : upsampleBilinear(summed, height, width);
}

/** What prepare finds: the model and its bias layers. */
interface FullgradState {
  model: ModelProto;
  layers: BiasLayer[];
}

async function fullgradMap(run: MethodRun): Promise<MethodResult> {
  const { image, shape } = run;
  const state = run.prepared.state as FullgradState;
  const needed = ancestors(state.model, run.gradients.tensors);
  const used = state.layers.filter((l) => needed.has(l.tensor));
  const result = await run.gradients.compute(image, 1, { layers: used.map((l) => l.tensor) });
  const grad = result.input!;
  const product = new Float32Array(grad.length);
  for (let i = 0; i < grad.length; i++) product[i] = grad[i]! * image[i]!;
  const map: AttributionMap = sumOverChannels(rescaleAbs(product), shape);
  let counted = 0;
  for (const layer of used) {
    const part = biasPart(result.layers[layer.tensor]!.grad, layer.bias, shape.height, shape.width);
    if (!part) continue;
    counted++;
    for (let p = 0; p < map.data.length; p++) map.data[p]! += part[p]!;
  }
  return { map, inputGradient: toChw(grad, shape), diagnostics: { biasLayers: counted }, ...gradientCost(1) };
}

export const fullgrad: AttributionMethodSpec = {
  name: 'fullgrad',
  summary: '|gradient × input| + conv/BN biases × gradients; 1 forward + 1 backward',
  options: [],
  gradientOnly: true,
  rawGradient: '∂target/∂input',
  prepare: (ctx) => ({ state: { model: ctx.model, layers: biasLayers(ctx.model) } satisfies FullgradState }),
  attribute: fullgradMap,
};
