/**
 * GradientModel: a model with its backward pass (autodiff.ts) behind one reused ModelSession
 * (worker thread, any execution provider). One run returns the model's outputs, each target's
 * value, and each wrt tensor's forward value and gradient, for a batch.
 *
 * Like ModelSession, fed buffers (inputs and seeds) are transferred to the worker: pass copies to
 * keep them.
 */
import { NeurolensError } from '../errors.js';
import { gradMessages } from '../messages/grad.js';
import { encodeModel } from '../onnx/codec.js';
import type { ModelProto } from '../onnx/types.js';
import { ModelSession } from '../runtime/session.js';
import type { SessionOptions, TensorLike } from '../runtime/types.js';
import { buildGradientGraph, type GradientGraph } from './autodiff.js';
import { tensorFacts } from './facts.js';
import { planGradient } from './plan.js';
import type { Dims, GradientSpec } from './types.js';

export interface GradientModelOptions extends SessionOptions {
  /** [height, width] of the image input, needed when the model's input size is symbolic. */
  inputSize?: [number, number];
}

export interface GradientRunResult {
  /** The model's own outputs, by name. */
  outputs: Record<string, TensorLike>;
  /** Each target's forward value (its softmax when asked), in spec order. */
  targets: TensorLike[];
  /** wrt tensor → its gradient of Σ_k ⟨seed_k, target_k⟩, per batch row, dims of the tensor. */
  grads: Record<string, TensorLike>;
  /** wrt tensor → its forward value. */
  values: Record<string, TensorLike>;
}

export class GradientModel {
  /** The model's own inputs (what run() takes besides the seeds), in model order. */
  readonly inputNames: readonly string[];
  /** Dims of each target tensor, the batch dim symbolic: the dims each seed must have (batch as fed). */
  readonly targetDims: readonly Dims[];

  private constructor(
    private readonly session: ModelSession,
    private readonly graph: GradientGraph,
    private readonly spec: GradientSpec,
    inputNames: string[],
    private readonly ownOutputs: string[],
  ) {
    this.inputNames = inputNames;
    this.targetDims = graph.targetDims;
  }

  /** Builds the gradient graph of `spec` on `model` (not modified) and opens its session. */
  static async create(model: ModelProto, spec: GradientSpec, options: GradientModelOptions = {}): Promise<GradientModel> {
    const graph = await buildGradientModel(model, spec, options.inputSize);
    const { inputSize: _size, ...sessionOptions } = options;
    // Forward activations live until the backward pass: a pre-planned block would outgrow the run.
    const session = await ModelSession.createTransferring(encodeModel(graph.model), { memoryPattern: false, ...sessionOptions });
    const weights = new Set((model.graph?.initializer ?? []).map((t) => t.name));
    const inputNames = (model.graph?.input ?? []).map((v) => v.name ?? '').filter((n) => !weights.has(n));
    const ownOutputs = (model.graph?.output ?? []).map((v) => v.name ?? '');
    return new GradientModel(session, graph, spec, inputNames, ownOutputs);
  }

  /**
   * Runs one batch: `inputs` are the model's inputs, `seeds` one per target with the target's dims
   * (undefined for an argmax target, whose seed the graph computes).
   */
  async run(inputs: Record<string, TensorLike>, seeds: readonly (TensorLike | undefined)[]): Promise<GradientRunResult> {
    const { names } = this.graph;
    if (seeds.length !== names.seeds.length) throw new NeurolensError('usage', gradMessages.seedCount(seeds.length, names.seeds.length));
    const feeds: Record<string, TensorLike> = { ...inputs };
    // The batch as fed: the symbolic first dim of each seed must equal it.
    const batch = inputs[this.inputNames[0]!]?.dims[0];
    seeds.forEach((seed, k) => {
      if (names.seeds[k] === '') return;
      if (seed === undefined) throw new NeurolensError('usage', gradMessages.seedDims(this.spec.targets[k]!.tensor, [], this.targetDims[k]!));
      const want = this.targetDims[k]!.map((d, i) => (typeof d === 'number' || i > 0 || batch === undefined ? d : batch));
      const ok = seed.dims.length === want.length && want.every((d, i) => typeof d !== 'number' || d === seed.dims[i]);
      if (!ok) throw new NeurolensError('usage', gradMessages.seedDims(this.spec.targets[k]!.tensor, seed.dims, want));
      feeds[names.seeds[k]!] = seed;
    });
    const own = this.ownOutputs;
    const fetch = [...own, ...names.targetValues, ...Object.values(names.grads), ...Object.values(names.values)];
    const values = await this.session.run(feeds, fetch);
    return {
      outputs: Object.fromEntries(own.map((n) => [n, values[n]!])),
      targets: names.targetValues.map((n) => values[n]!),
      grads: Object.fromEntries(Object.entries(names.grads).map(([w, n]) => [w, values[n]!])),
      values: Object.fromEntries(Object.entries(names.values).map(([w, n]) => [w, values[n]!])),
    };
  }

  close(): Promise<void> {
    return this.session.close();
  }
}

/** The gradient graph of `spec` on `model`, with the tensor facts probed from onnxruntime. */
export async function buildGradientModel(model: ModelProto, spec: GradientSpec, inputSize?: [number, number]): Promise<GradientGraph> {
  const first = planGradient(model, spec);
  const facts = await tensorFacts(model, first.tensors, inputSize);
  return buildGradientGraph(model, spec, facts);
}
