/**
 * Scoring inputs: the one instrumented session an Attributor runs everything through, and the
 * readers that turn a run's outputs/taps into one target value per input.
 *
 * The session's instrumentation only grows: it starts plain (class targets of occlusion and RISE
 * run the model as exported, with all of onnxruntime's fusions), and the first call that needs a
 * tap or an intervention it lacks replaces it by a session instrumented with everything needed so
 * far plus that. Extra graph outputs and Mul/Add nodes would slow every other run, so nothing is
 * instrumented before it is needed; since the set only grows, a session is re-created at most once
 * per new layer for the life of the Attributor, never per image. The old session finishes its
 * queued runs before it closes.
 */
import { NeurolensError } from '../errors.js';
import { attributionMessages } from '../messages/attribution.js';
import { softmax } from '../record/predictions.js';
import { InstrumentedModel, type InstrumentedRunResult, type InterventionValues } from '../runtime/instrumented.js';
import type { ModelProto } from '../onnx/types.js';
import type { SessionOptions, TensorLike } from '../runtime/types.js';
import type { TensorShape } from './fill.js';
import type { TargetGradients } from './gradients.js';
import type { ScoreQuantity } from './types.js';

/** Interventions of one run: tensor name → mask/patch (see InstrumentedModel). */
export type Interventions = Record<string, InterventionValues>;

/** Input dims for `n` images of `shape`. */
export function inputDims(shape: TensorShape, n: number): number[] {
  return shape.layout === 'NCHW' ? [n, shape.channels, shape.height, shape.width] : [n, shape.height, shape.width, shape.channels];
}

export class Engine {
  private current: InstrumentedModel | undefined;
  private readonly taps = new Set<string>();
  private readonly edits = new Set<string>();
  /** Serialises session (re)creation. */
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly model: ModelProto,
    private readonly shape: TensorShape,
    private readonly options: SessionOptions,
  ) {}

  /** A session with at least these taps and interventions. */
  private session(taps: readonly string[], edits: readonly string[]): Promise<InstrumentedModel> {
    const next = this.chain.then(async () => {
      if (this.closed) throw new Error('Attributor: used after close()');
      const missing = taps.some((t) => !this.taps.has(t)) || edits.some((t) => !this.edits.has(t));
      if (this.current && !missing) return this.current;
      const wantTaps = [...new Set([...this.taps, ...taps])].sort();
      const wantEdits = [...new Set([...this.edits, ...edits])].sort();
      const old = this.current;
      // The sets grow only once the new session exists: a failed creation leaves the old one in use.
      this.current = await InstrumentedModel.create(this.model, { taps: wantTaps, interventions: wantEdits }, this.options);
      for (const t of wantTaps) this.taps.add(t);
      for (const t of wantEdits) this.edits.add(t);
      // close() lets the old session finish the runs already queued on it.
      if (old) void old.close();
      return this.current;
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Runs `count` inputs held in `data` (transferred: detached afterwards), fetching `taps`. */
  async run(data: Float32Array, count: number, taps: readonly string[], interventions?: Interventions, outputs = true): Promise<InstrumentedRunResult> {
    const session = await this.session(taps, Object.keys(interventions ?? {}));
    return session.run({ [session.inputNames[0]!]: { data, dims: inputDims(this.shape, count) } }, {
      taps: [...taps],
      outputs,
      ...(interventions ? { interventions } : {}),
    });
  }

  /** Makes sure the session has these taps and interventions (re-instrumenting at most once). */
  async require(taps: readonly string[], edits: readonly string[]): Promise<void> {
    await this.session(taps, edits);
  }

  async close(): Promise<void> {
    await this.chain;
    this.closed = true;
    await this.current?.close();
    this.current = undefined;
  }
}

/** Turns a run result into one target value per input. */
export interface TargetReader {
  /** Tensors the reader needs tapped. */
  readonly taps: readonly string[];
  /** Whether the model's own outputs are needed. */
  readonly outputs: boolean;
  read(result: InstrumentedRunResult, count: number): Float32Array;
}

/** Class `cls` of the model's first output [N, K]: the logit, or its softmax probability. */
export function classReader(output: string, cls: number, quantity: ScoreQuantity): TargetReader {
  return {
    taps: [],
    outputs: true,
    read(result, count) {
      const tensor = result.outputs[output]!;
      const values = tensor.data as Float32Array;
      const k = values.length / count;
      const out = new Float32Array(count);
      for (let r = 0; r < count; r++) {
        if (quantity === 'logit') out[r] = values[r * k + cls]!;
        else out[r] = softmax(values.subarray(r * k, (r + 1) * k))[cls]!;
      }
      return out;
    },
  };
}

/** A channel of a tapped tensor, averaged over its positions. */
export interface TappedNeuron {
  tensor: string;
  channel: number;
  /** 'NHWC' for a channels-last feature map [N,H,W,C] (channel on the last axis). Default 'NCHW'. */
  layout?: 'NCHW' | 'NHWC';
}

/**
 * Σ over `neurons` of each neuron's activation averaged over its positions: H×W of a feature map
 * [N,C,H,W], every token of [N,T,D], the one value of a vector [N,D].
 */
export function neuronReader(neurons: readonly TappedNeuron[]): TargetReader {
  const taps = [...new Set(neurons.map((n) => n.tensor))];
  return {
    taps,
    outputs: false,
    read(result, count) {
      const out = new Float64Array(count);
      for (const n of neurons) {
        const tensor = result.taps[n.tensor]!;
        addChannelMeans(tensor, n.channel, count, out, n.layout);
      }
      return Float32Array.from(out);
    },
  };
}

function addChannelMeans(tensor: TensorLike, channel: number, count: number, out: Float64Array, layout?: 'NCHW' | 'NHWC'): void {
  const data = tensor.data as Float32Array;
  const dims = tensor.dims;
  const per = data.length / count;
  if (dims.length === 3 || (dims.length === 4 && layout === 'NHWC')) {
    // Channel last: [N,T,D] tokens, or a channels-last map whose H·W positions play the tokens.
    const d = dims[dims.length - 1]!;
    const t = per / d;
    for (let r = 0; r < count; r++) {
      let sum = 0;
      for (let i = 0; i < t; i++) sum += data[r * per + i * d + channel]!;
      out[r]! += sum / t;
    }
    return;
  }
  // [N,C,H,W] (or a pooled [N,C,1,1]) and [N,D]: channel-major positions.
  const channels = dims[1]!;
  const positions = per / channels;
  for (let r = 0; r < count; r++) {
    const start = r * per + channel * positions;
    let sum = 0;
    for (let i = 0; i < positions; i++) sum += data[start + i]!;
    out[r]! += sum / positions;
  }
}

/** Scores inputs for one bound target through the Engine, at most `maxBatch` per run. */
export class Scorer {
  constructor(
    readonly engine: Engine,
    readonly reader: TargetReader,
    readonly maxBatch: number,
    readonly size: number,
  ) {}

  /** Values of `count` inputs in `data` (≤ maxBatch; transferred, so detached afterwards). */
  async scoreOwned(data: Float32Array, count: number, interventions?: Interventions): Promise<Float32Array> {
    const result = await this.engine.run(data, count, this.reader.taps, interventions, this.reader.outputs);
    return this.reader.read(result, count);
  }

  /** Values of `count` inputs stored one after another in `inputs` (not modified: copied per run). */
  async score(inputs: Float32Array, count: number): Promise<Float32Array> {
    if (!Number.isInteger(count) || count < 0 || inputs.length < count * this.size) {
      throw new NeurolensError('usage', attributionMessages.badImage(inputs.length, count * this.size));
    }
    const out = new Float32Array(count);
    for (let start = 0; start < count; start += this.maxBatch) {
      const n = Math.min(this.maxBatch, count - start);
      out.set(await this.scoreOwned(inputs.slice(start * this.size, (start + n) * this.size), n), start);
    }
    return out;
  }
}

/** What a method gets: the image, its clean run, and a scorer for perturbed inputs. */
export interface MethodContext {
  /** The unmodified input tensor (C·H·W; not modified by methods). */
  image: Float32Array;
  shape: TensorShape;
  scorer: Scorer;
  /** The target's value on the unmodified image. */
  clean: number;
  /** Tensors tapped on the clean run (the CAM layer when the method needs one). */
  cleanTaps: Record<string, TensorLike>;
  /** Gradients of the same target (src/attribution/gradients.ts), for the gradient methods. */
  gradients: TargetGradients;
}
