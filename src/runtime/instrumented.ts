/**
 * InstrumentedModel: a model rewritten by instrumentModel (taps and interventions) behind one
 * reused ModelSession. Every run feeds every mask/patch input — the ones a request does not name
 * get [1]-shaped identity values (mask 1, patch 0) — because onnxruntime needs all inputs fed and
 * cannot default them (see src/onnx/instrument.ts). So one session serves plain runs, tapped runs
 * and any combination of interventions without re-creating anything.
 *
 * Inputs, masks and patches are transferred to the worker like any ModelSession feed: their typed
 * arrays are detached after run(); pass copies (`data.slice()`) to reuse them.
 */
import { NeurolensError } from '../errors.js';
import { runtimeMessages } from '../messages/runtime.js';
import { instrumentModel, type InstrumentSpec, type InterventionInputs } from '../onnx/instrument.js';
import { appendToGraph, encodeModel } from '../onnx/codec.js';
import type { ModelProto } from '../onnx/types.js';
import { ModelSession } from './session.js';
import type { SessionOptions, TensorLike } from './types.js';

export interface InterventionValues {
  /** Multiplied into the tensor; broadcasts ([N|1, C, 1, 1], [N|1, 1, D], [N|1, D] or full dims). Default: 1. */
  mask?: TensorLike;
  /** Added after the mask; broadcasts like the mask. Default: 0. */
  patch?: TensorLike;
}

export interface InstrumentedRunRequest {
  /** Tapped tensors to fetch (a subset of the instrumented taps). Default: all of them. */
  taps?: string[];
  /** Whether to fetch the model's own outputs. Default: true. */
  outputs?: boolean;
  /** Instrumented tensor → its mask and/or patch for this run. Tensors not named run unchanged. */
  interventions?: Record<string, InterventionValues>;
  /** Whether to fetch the instrumented reductions (pooled taps). Default: true. */
  reductions?: boolean;
}

export interface InstrumentedRunResult {
  /** The model's own outputs, by name (empty when request.outputs is false). */
  outputs: Record<string, TensorLike>;
  /** Tapped tensor name → its value (after any intervention on that tensor). */
  taps: Record<string, TensorLike>;
  /** reductionKey(tensor, reduction) → the [N, neurons] pooled values (see src/onnx/reduce-taps.ts). */
  reduced: Record<string, TensorLike>;
}

export class InstrumentedModel {
  /** The model's own inputs (what run() takes), in model order. */
  readonly inputNames: readonly string[];
  /** The model's own outputs, in model order. */
  readonly outputNames: readonly string[];
  /** Tensors that can be fetched with request.taps. */
  readonly taps: readonly string[];
  /** Tensors that can be edited with request.interventions. */
  readonly interventions: readonly string[];

  private constructor(
    private readonly session: ModelSession,
    model: ModelProto,
    private readonly tapOutputs: Record<string, string>,
    private readonly interventionInputs: Record<string, InterventionInputs>,
    private readonly reductionOutputs: Record<string, string>,
  ) {
    const graph = model.graph!;
    const weights = new Set((graph.initializer ?? []).map((t) => t.name));
    this.inputNames = (graph.input ?? []).map((v) => v.name ?? '').filter((name) => !weights.has(name));
    this.outputNames = (graph.output ?? []).map((v) => v.name ?? '');
    this.taps = Object.keys(tapOutputs);
    this.interventions = Object.keys(interventionInputs);
  }

  /**
   * Instruments `model` (which is not modified) and opens one session for it. `source`, when given,
   * must be the encoded bytes `model` was decoded from: taps and reductions are then appended to
   * those bytes rather than the whole model being encoded again.
   */
  static async create(model: ModelProto, spec: InstrumentSpec, options: SessionOptions = {}, source?: Uint8Array): Promise<InstrumentedModel> {
    const instrumented = instrumentModel(model, spec);
    const bytes = source && instrumented.additions ? appendToGraph(source, instrumented.additions) : encodeModel(instrumented.model);
    const session = await ModelSession.createTransferring(bytes, options);
    return new InstrumentedModel(session, model, instrumented.taps, instrumented.interventions, instrumented.reductions);
  }

  /**
   * Runs the model on `inputs` (every model input; buffers are transferred), applying the requested
   * interventions and fetching the requested taps. Runs are queued, one at a time.
   */
  async run(inputs: Record<string, TensorLike>, request: InstrumentedRunRequest = {}): Promise<InstrumentedRunResult> {
    const tapNames = request.taps ? [...new Set(request.taps)] : [...this.taps];
    for (const name of tapNames) {
      if (!(name in this.tapOutputs)) throw new NeurolensError('usage', runtimeMessages.tapNotInstrumented(name, this.taps));
    }
    const edits = request.interventions ?? {};
    for (const name of Object.keys(edits)) {
      if (!(name in this.interventionInputs)) throw new NeurolensError('usage', runtimeMessages.interventionNotInstrumented(name, this.interventions));
    }
    const instrumentation = new Set(Object.values(this.interventionInputs).flatMap((io) => [io.mask, io.patch]));
    const feeds: Record<string, TensorLike> = {};
    for (const [name, tensor] of Object.entries(inputs)) {
      if (instrumentation.has(name)) throw new NeurolensError('usage', runtimeMessages.inputIsInstrumentation(name));
      if (!this.inputNames.includes(name)) throw new NeurolensError('usage', runtimeMessages.feedUnknown(name, this.inputNames));
      feeds[name] = tensor;
    }
    for (const [tensor, io] of Object.entries(this.interventionInputs)) {
      feeds[io.mask] = edits[tensor]?.mask ?? { data: Float32Array.of(1), dims: [1] };
      feeds[io.patch] = edits[tensor]?.patch ?? { data: Float32Array.of(0), dims: [1] };
    }
    const reductions = request.reductions === false ? [] : Object.entries(this.reductionOutputs);
    const fetches = [
      ...new Set([...(request.outputs === false ? [] : this.outputNames), ...tapNames.map((t) => this.tapOutputs[t]!), ...reductions.map(([, output]) => output)]),
    ];
    if (fetches.length === 0) return { outputs: {}, taps: {}, reduced: {} };
    const shapes = Object.fromEntries(Object.entries(edits).flatMap(([t, v]) => [[`${t}:mask`, v.mask?.dims], [`${t}:patch`, v.patch?.dims]]));
    let values: Record<string, TensorLike>;
    try {
      values = await this.session.run(feeds, fetches);
    } catch (error) {
      throw this.explain(error, shapes);
    }
    const outputs: Record<string, TensorLike> = {};
    if (request.outputs !== false) for (const name of this.outputNames) outputs[name] = values[name]!;
    const taps: Record<string, TensorLike> = {};
    for (const name of tapNames) taps[name] = values[this.tapOutputs[name]!]!;
    const reduced: Record<string, TensorLike> = {};
    for (const [key, output] of reductions) reduced[key] = values[output]!;
    return { outputs, taps, reduced };
  }

  /** Releases the session and its worker. */
  close(): Promise<void> {
    return this.session.close();
  }

  /** Rewrites a failure inside an inserted Mul/Add node as a mask/patch shape error for that tensor. */
  private explain(error: unknown, shapes: Record<string, number[] | undefined>): unknown {
    if (!(error instanceof NeurolensError)) return error;
    for (const tensor of this.interventions) {
      for (const [part, op] of [['mask', 'Mul'], ['patch', 'Add']] as const) {
        if (!error.message.includes(`neurolens/intervene/${tensor}/${op}`)) continue;
        // runError put onnxruntime's own words after "node '…' (Mul) failed: ".
        const reason = error.message.replace(/^.*?\) failed: /, '');
        return new NeurolensError('usage', runtimeMessages.interventionBroadcast(tensor, part, shapes[`${tensor}:${part}`], reason), { cause: error });
      }
    }
    return error;
  }
}
