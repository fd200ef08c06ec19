/**
 * Cascading model randomisation (Adebayo et al., "Sanity Checks for Saliency Maps", 2018): the
 * parameterised layers are re-initialised one after another from the output towards the input; a
 * map that barely changes is not explaining what the model learned.
 *
 * Parameterised layers: Conv, ConvTranspose, Gemm and MatMul nodes whose weight input is a float32
 * initializer, in the graph's node order (ONNX requires nodes to be topologically sorted). Their
 * tensors: the weight, the bias input of Conv/ConvTranspose/Gemm, and for MatMul the float32
 * initializer added by the single Add node that consumes the MatMul output (a Linear layer's bias).
 *
 * Re-initialisation: each tensor gets values N(0, σ²) with σ = the population standard deviation
 * of its original values (the scale of a trained layer; biases that are all equal get σ = 0, i.e.
 * all zeros, the common bias initialisation). Values come from mulberry32 seeded by
 * (seed, the layer's position counted from the output), so a layer gets the same values at every
 * cascade step. The original model is never modified: a shallow copy of the model and graph gets a
 * new initializer array whose replaced entries are new TensorProto objects.
 */
import { makeTensor, tensorDims, tensorFloat32 } from '../../onnx/tensor.js';
import { DATA_TYPE, type ModelProto, type NodeProto, type TensorProto } from '../../onnx/types.js';
import { Random } from '../../util/random.js';

/** One parameterised layer and the initializers re-initialised with it. */
export interface ParamLayer {
  /** The node's name (or `<opType>#<index>` when it has none). */
  name: string;
  opType: string;
  /** Initializer names: the weight first, then the bias if any. */
  tensors: string[];
}

const WEIGHT_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

function isFloatInitializer(name: string | undefined, inits: ReadonlyMap<string, TensorProto>): name is string {
  return name !== undefined && name !== '' && inits.get(name)?.dataType === DATA_TYPE.float32;
}

/** The parameterised layers of a model, ordered from the OUTPUT back to the input. */
export function parameterisedLayers(model: ModelProto): ParamLayer[] {
  const graph = model.graph ?? {};
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const nodes = graph.node ?? [];
  const consumers = new Map<string, NodeProto[]>();
  for (const node of nodes) for (const input of node.input ?? []) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  const layers: ParamLayer[] = [];
  nodes.forEach((node, index) => {
    const op = node.opType ?? '';
    if (!WEIGHT_OPS.has(op) || (node.domain ?? '') !== '') return;
    const inputs = node.input ?? [];
    // MatMul weights may be either operand (x·W or W·x); the others take the weight second.
    const weight = op === 'MatMul' ? [inputs[1], inputs[0]].find((n) => isFloatInitializer(n, inits)) : inputs[1];
    if (!isFloatInitializer(weight, inits)) return;
    const tensors = [weight];
    if (op !== 'MatMul') {
      if (isFloatInitializer(inputs[2], inits)) tensors.push(inputs[2]);
    } else {
      const users = consumers.get(node.output?.[0] ?? '') ?? [];
      if (users.length === 1 && users[0]!.opType === 'Add') {
        const bias = (users[0]!.input ?? []).find((n) => n !== node.output?.[0] && isFloatInitializer(n, inits));
        if (bias !== undefined) tensors.push(bias);
      }
    }
    layers.push({ name: node.name || `${op}#${index}`, opType: op, tensors });
  });
  return layers.reverse();
}

/**
 * The cascade steps: j = 1 … L when there are at most `maxSteps` layers, else `maxSteps` steps
 * j_i = round(i·L/maxSteps), i = 1 … maxSteps (evenly spaced, always ending with every layer).
 */
export function cascadeSteps(layerCount: number, maxSteps: number): number[] {
  if (layerCount <= maxSteps) return Array.from({ length: layerCount }, (_, i) => i + 1);
  const steps = Array.from({ length: maxSteps }, (_, i) => Math.round(((i + 1) * layerCount) / maxSteps));
  return [...new Set(steps)];
}

/** Seed of the layer at `position` (0 = nearest the output) for a given run seed. */
export function layerSeed(seed: number, position: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(position + 1, 0x85ebca77)) >>> 0;
}

function populationStd(values: Float32Array): number {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length || 1;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  return Math.sqrt(sq / (values.length || 1));
}

/** A re-initialised copy of one tensor (same name, dims and type). */
export function randomTensor(original: TensorProto, rng: Random): TensorProto {
  const values = tensorFloat32(original);
  const std = populationStd(values);
  const fresh = new Float32Array(values.length);
  if (std > 0) for (let i = 0; i < fresh.length; i++) fresh[i] = rng.normal() * std;
  return makeTensor(original.name ?? '', fresh, tensorDims(original));
}

/**
 * A copy of `model` whose top `count` parameterised layers (`layers` as parameterisedLayers gives
 * them, output first) are re-initialised. Initializers not re-initialised are shared with the
 * original (read-only); the original model is left as it was.
 */
export function randomiseTopLayers(model: ModelProto, layers: readonly ParamLayer[], count: number, seed: number): ModelProto {
  const graph = model.graph ?? {};
  const replaced = new Map<string, TensorProto>();
  const originals = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  for (let position = 0; position < Math.min(count, layers.length); position++) {
    const rng = new Random(layerSeed(seed, position));
    for (const name of layers[position]!.tensors) {
      // A tensor shared by several layers keeps the values of the first (nearest the output) layer.
      if (!replaced.has(name)) replaced.set(name, randomTensor(originals.get(name)!, rng));
    }
  }
  const initializer = (graph.initializer ?? []).map((t) => replaced.get(t.name ?? '') ?? t);
  return { ...model, graph: { ...graph, initializer } };
}
