/**
 * Gradients of a bound target for the gradient methods: one GradientModel (src/grad) per set of
 * differentiated tensors and backward rules, created on first use and reused for every image of
 * the Attributor's life. The target is the same scalar the perturbation methods score — a class
 * logit or probability, or neurons' activations averaged over their positions, summed — so
 * gradient and perturbation maps of one target explain the same number.
 */
import { GradientModel } from '../grad/model.js';
import type { GradientTarget, VjpRule } from '../grad/types.js';
import type { LayerInfo } from '../onnx/catalogue/index.js';
import type { ModelProto } from '../onnx/types.js';
import type { SessionOptions, TensorLike } from '../runtime/types.js';
import type { TensorShape } from './fill.js';
import { inputDims } from './scorer.js';

/** Named backward-rule overrides (the name keys the cached graph). */
export interface RuleSet {
  name: string;
  rules: Readonly<Record<string, VjpRule>>;
}

export interface GradientRequest {
  /** Differentiate with respect to the input. Default true. */
  input?: boolean;
  /** Tensors (catalogue layers' tensors) to differentiate with respect to, besides the input. */
  layers?: readonly string[];
  /** Backward-rule overrides, e.g. Guided Backprop's ReLU. */
  rules?: RuleSet;
}

export interface GradientBatch {
  /** The target's value on each input. */
  values: Float32Array;
  /** For a predicted-class target: each input's predicted class (the one its value and gradient are of). */
  classes?: Int32Array;
  /** d target / d input, C·H·W per input in the input's layout (when asked). */
  input?: Float32Array;
  /** Per requested layer tensor: its forward value and its gradient, [count, …] each. */
  layers: Record<string, { value: TensorLike; grad: TensorLike }>;
}

/** Gradients of one bound target. */
export interface TargetGradients {
  /** The tensors the target is read from (a method differentiating layers needs them before the target). */
  readonly tensors: readonly string[];
  /** For `count` inputs stored one after another in `inputs` (not modified), in runs of ≤ maxBatch. */
  compute(inputs: Float32Array, count: number, request?: GradientRequest): Promise<GradientBatch>;
}

/** How a bound target reads from tensors: each term is a tensor and its per-row seed. */
export type SeedTerm =
  | { kind: 'class'; tensor: string; cls: number; softmax: boolean }
  /** Each row's own predicted class, found by the gradient graph itself (no pass beforehand). */
  | { kind: 'pred'; tensor: string; softmax: boolean }
  | { kind: 'neuron'; tensor: string; channel: number; layer: LayerInfo };

/** Caches gradient models for an Attributor; closed with it. */
export class GradientEngine {
  private readonly models = new Map<string, Promise<GradientModel>>();

  constructor(
    private readonly model: ModelProto,
    private readonly shape: TensorShape,
    private readonly options: SessionOptions,
    private readonly maxBatch: number,
  ) {}

  private get(targets: GradientTarget[], wrt: string[], rules?: RuleSet): Promise<GradientModel> {
    const key = JSON.stringify([targets, wrt, rules?.name ?? '']);
    let found = this.models.get(key);
    if (!found) {
      found = GradientModel.create(this.model, { targets, wrt, ...(rules ? { rules: rules.rules } : {}) }, { ...this.options, inputSize: [this.shape.height, this.shape.width] });
      // A failed creation is not cached, so a later call reports its own error.
      found.catch(() => this.models.delete(key));
      this.models.set(key, found);
    }
    return found;
  }

  /** The TargetGradients of a target made of `terms`. */
  bind(terms: readonly SeedTerm[]): TargetGradients {
    const tensors = [...new Set(terms.map((t) => t.tensor))];
    const of = (tensor: string) => terms.filter((t) => t.tensor === tensor);
    const targets: GradientTarget[] = tensors.map((tensor) => ({
      tensor,
      ...(of(tensor).some((t) => t.kind !== 'neuron' && t.softmax) ? { softmax: true } : {}),
      ...(of(tensor).some((t) => t.kind === 'pred') ? { argmax: true } : {}),
    }));
    const pred = terms.find((t) => t.kind === 'pred');
    return {
      tensors,
      compute: async (inputs, count, request = {}) => {
        const wantInput = request.input ?? true;
        const layers = [...new Set(request.layers ?? [])];
        const inputName = this.model.graph!.input!.find((v) => !(this.model.graph!.initializer ?? []).some((t) => t.name === v.name))!.name!;
        const wrt = [...(wantInput ? [inputName] : []), ...layers];
        const model = await this.get(targets, wrt, request.rules);
        const size = inputs.length / count;
        const values = new Float32Array(count);
        const classes = pred ? new Int32Array(count) : undefined;
        const input = wantInput ? new Float32Array(count * size) : undefined;
        const parts: Record<string, { value: TensorLike[]; grad: TensorLike[] }> = Object.fromEntries(layers.map((l) => [l, { value: [], grad: [] }]));
        for (let start = 0; start < count; start += this.maxBatch) {
          const n = Math.min(this.maxBatch, count - start);
          const seeds = tensors.map((tensor, k) => (targets[k]!.argmax ? undefined : seedFor(of(tensor), model.targetDims[k]!, n)));
          const result = await model.run({ [inputName]: { data: inputs.slice(start * size, (start + n) * size), dims: inputDims(this.shape, n) } }, seeds);
          if (pred) classes!.set(rowArgmax(result.targets[tensors.indexOf(pred.tensor)]!, n), start);
          const rowValues = targetValues(terms, tensors, result.targets, n);
          values.set(rowValues, start);
          if (input) input.set(result.grads[inputName]!.data as Float32Array, start * size);
          for (const l of layers) {
            parts[l]!.value.push(result.values[l]!);
            parts[l]!.grad.push(result.grads[l]!);
          }
        }
        const joined = Object.fromEntries(layers.map((l) => [l, { value: concatRows(parts[l]!.value), grad: concatRows(parts[l]!.grad) }]));
        return { values, ...(classes ? { classes } : {}), ...(input ? { input } : {}), layers: joined };
      },
    };
  }

  async close(): Promise<void> {
    const models = await Promise.allSettled(this.models.values());
    this.models.clear();
    await Promise.all(models.map((m) => (m.status === 'fulfilled' ? m.value.close() : undefined)));
  }
}

/**
 * The seed of one target tensor for `n` rows: Σ over its terms of each term's per-row weights (a
 * pred term's one-hot at each row's first largest value of `value`, as the graph's ArgMax picks).
 */
function seedFor(terms: readonly SeedTerm[], dims: readonly (number | string)[], n: number, value?: TensorLike): TensorLike {
  const full = dims.map((d, i) => (i === 0 ? n : (d as number)));
  const per = full.slice(1).reduce((a, b) => a * b, 1);
  const data = new Float32Array(n * per);
  for (const term of terms) {
    const classes = term.kind === 'pred' ? rowArgmax(value!, n) : undefined;
    for (let r = 0; r < n; r++) {
      if (term.kind === 'class') data[r * per + term.cls]! += 1;
      else if (term.kind === 'pred') data[r * per + classes![r]!]! += 1;
      else addNeuronSeed(data, r * per, full, term);
    }
  }
  return { data, dims: full };
}

/** Per row of a [n, …] tensor, the index of its first largest value. */
export function rowArgmax(value: TensorLike, n: number): Int32Array {
  const data = value.data as Float32Array;
  const per = data.length / n;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let i = 1; i < per; i++) if (data[r * per + i]! > data[r * per + best]!) best = i;
    out[r] = best;
  }
  return out;
}

/**
 * Adds 1/positions on every position of the neuron's channel (the gradient of its mean over
 * positions) to the row of `data` at `offset`; `dims` are the tensor's [rows, …] dims.
 */
export function addNeuronSeed(data: Float32Array, offset: number, dims: readonly number[], term: { channel: number; layer: { layout?: string } }): void {
  const per = dims.slice(1).reduce((a, b) => a * b, 1);
  const channelsLast = dims.length === 3 || (dims.length === 4 && term.layer.layout === 'NHWC');
  const channels = channelsLast ? dims.at(-1)! : dims[1]!;
  const positions = per / channels;
  for (let p = 0; p < positions; p++) {
    const at = channelsLast ? p * channels + term.channel : term.channel * positions + p;
    data[offset + at]! += 1 / positions;
  }
}

/** The target's value per row from the target tensors' forward values (what the seeds weight). */
function targetValues(terms: readonly SeedTerm[], tensors: readonly string[], values: readonly TensorLike[], n: number): Float32Array {
  const out = new Float64Array(n);
  tensors.forEach((tensor, k) => {
    const value = values[k]!;
    const seed = seedFor(terms.filter((t) => t.tensor === tensor), value.dims, n, value);
    const data = value.data as Float32Array;
    const per = data.length / n;
    for (let r = 0; r < n; r++) for (let i = 0; i < per; i++) out[r]! += (seed.data[r * per + i] as number) * data[r * per + i]!;
  });
  return Float32Array.from(out);
}

/** Tensors of the same trailing dims stacked along the batch dim. */
function concatRows(parts: readonly TensorLike[]): TensorLike {
  if (parts.length === 1) return parts[0]!;
  const total = parts.reduce((a, p) => a + p.data.length, 0);
  const data = new Float32Array(total);
  let at = 0;
  for (const p of parts) {
    data.set(p.data as Float32Array, at);
    at += p.data.length;
  }
  return { data, dims: [parts.reduce((a, p) => a + p.dims[0]!, 0), ...parts[0]!.dims.slice(1)] };
}
