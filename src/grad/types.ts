/**
 * Public types of reverse-mode autodiff over ONNX graphs. The backward pass is itself emitted as
 * ONNX nodes appended to the model, so the same onnxruntime session (CPU or CUDA, worker thread,
 * batching) runs the forward values and the gradients in one call.
 *
 * The differentiated quantity is, per batch row n, the scalar L_n = Σ_k ⟨seed_k[n], T_k[n]⟩ over
 * the target tensors T_k: a one-hot seed on the logits gives a class logit, a seed of 1/(H·W) on
 * one channel gives a neuron's pooled activation, several tensors with seeds give a circuit's sum,
 * any seed gives any weighted sum. The seeds are graph inputs, so one graph serves every target
 * of the same tensors.
 */
import type { NodeProto } from '../onnx/types.js';

/** A tensor the differentiated scalar is read from. */
export interface GradientTarget {
  /** Tensor name (a node output or graph output of the model). */
  tensor: string;
  /**
   * Differentiate the softmax of the tensor along its last axis instead of the tensor itself
   * (a class probability rather than its logit). Default false.
   */
  softmax?: boolean;
  /**
   * Seed each row with a one-hot at the row's largest value along the last axis (the first one on
   * ties), computed inside the graph: the predicted class's logit (or probability) is then
   * differentiated in the same pass that finds the prediction, with no seed fed and no forward
   * pass beforehand. For [batch, classes] tensors only. Default false (the seed is an input).
   */
  argmax?: boolean;
}

/** What one gradient graph computes. */
export interface GradientSpec {
  /** The tensors the scalar is read from; each gets a seed input of the tensor's own dims. */
  targets: readonly GradientTarget[];
  /**
   * Tensors to differentiate with respect to: the model's input and/or internal float tensors.
   * Each gets a gradient output of its own dims and its forward value as an output.
   */
  wrt: readonly string[];
  /** Backward rules replacing the built-in ones, by op type (e.g. Guided Backprop's ReLU rule). */
  rules?: Readonly<Record<string, VjpRule>>;
}

/** The names a built gradient graph uses for one spec. */
export interface GradientGraphNames {
  /** Seed input per target, in spec order ('' for an argmax target, whose seed is computed in the graph). */
  seeds: string[];
  /** Output carrying each target's forward value (the softmax when asked), in spec order. */
  targetValues: string[];
  /** wrt tensor → output carrying its gradient. */
  grads: Record<string, string>;
  /** wrt tensor → output carrying its forward value. */
  values: Record<string, string>;
}

/** Dims of a tensor as probed: numbers when fixed, a string for the (symbolic) batch dim. */
export type Dims = readonly (number | string)[];

/**
 * What a backward rule emits nodes with. Every helper returns the name of the tensor it created;
 * names are unique within the graph. Helpers that take axes follow the model's opset (attribute or
 * input forms), so rules are written once for opsets 13 and later.
 */
export interface GradEmitter {
  /** The model's default-domain opset. */
  readonly opset: number;
  /** TensorProto data type of the float tensors being differentiated (float32 or float64). */
  readonly dtype: number;
  /** Adds a node with one output; returns it. */
  node(op: string, inputs: readonly string[], attributes?: Record<string, AttrInput>): string;
  /** Adds a node with `count` outputs; returns them. */
  nodeOutputs(op: string, inputs: readonly string[], attributes: Record<string, AttrInput>, count: number): string[];
  /** A float constant of the graph's dtype (a scalar when `dims` is omitted and one value is given). */
  constant(values: readonly number[], dims?: readonly number[]): string;
  /** A 1-D int64 constant (shapes, axes, pads, indices). */
  int64s(values: readonly number[]): string;
  /** The probed dims of a forward tensor; throws for a tensor that was not probed. */
  dims(tensor: string): Dims;
  /** The rank of a forward tensor. */
  rank(tensor: string): number;
  /**
   * The values of a constant int tensor of the model (an initializer or a Constant node's output:
   * shapes, axes, starts, pads, indices); undefined when it is computed at run time.
   */
  constantInts(tensor: string): number[] | undefined;
  /** Shape(tensor) as an int64 tensor (one node per tensor, reused). */
  shape(tensor: string): string;
  /** ReduceSum over `axes` (all axes when empty is NOT meant: pass them explicitly). */
  reduceSum(x: string, axes: readonly number[], keepdims: boolean): string;
  /** Unsqueeze at `axes`. */
  unsqueeze(x: string, axes: readonly number[]): string;
  /** Squeeze at `axes`. */
  squeeze(x: string, axes: readonly number[]): string;
  /**
   * The cotangent `grad` of a broadcast result summed back to the dims of `input` (numpy
   * broadcasting: leading axes summed away, axes where input has 1 summed with keepdims).
   * `output` is the forward tensor `grad` belongs to (for its dims).
   */
  unbroadcast(grad: string, output: string, input: string): string;
}

/** An attribute value a rule may set: ints, floats (FloatValue), strings, int/float lists. */
export type AttrInput = number | readonly number[] | string | { float: number | readonly number[] };

/** What a rule gets for one node. */
export interface RuleContext {
  node: NodeProto;
  /** The node's input names ('' for an omitted optional input). */
  inputs: readonly string[];
  /** The node's output names. */
  outputs: readonly string[];
  /** Cotangent of each output (undefined where no gradient flows into that output). */
  grads: readonly (string | undefined)[];
  /** Whether input i needs a gradient (it lies between a wrt tensor and a target). */
  needs: readonly boolean[];
  emit: GradEmitter;
  /** Attribute readers with ONNX defaults. */
  attr: AttrReader;
}

export interface AttrReader {
  int(name: string, fallback: number): number;
  ints(name: string, fallback: readonly number[]): number[];
  /** Whether the attribute is present. */
  has(name: string): boolean;
  float(name: string, fallback: number): number;
  string(name: string, fallback: string): string;
}

/**
 * A vector-Jacobian rule: the cotangent of each input given the cotangents of the outputs.
 * Return undefined for inputs that need no gradient (or receive none).
 */
export type VjpRule = (ctx: RuleContext) => (string | undefined)[];

/** A rule declared in its own file: the op it differentiates and how. */
export interface RuleSpec {
  op: string;
  vjp: VjpRule;
}
