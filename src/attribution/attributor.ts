/**
 * The Attributor (types.ts): binds targets to images and computes maps with every method of the
 * registry (registry.ts; what a method declares: method.ts), all through one Engine (scorer.ts: one instrumented onnxruntime session, reused for every image and
 * method; its instrumentation grows only when a target or method first needs a new layer).
 *
 * attribute() = the method's prepare (layer, head, options in effect; checked before any pass) +
 * bind (one clean pass, also tapping the layer prepare chose) + the method's perturbed passes;
 * `passes` counts the clean pass and the method's; `backward` the method's backward passes.
 * A gradient-only method (method.ts `gradientOnly`) skips the clean pass: its first gradient pass
 * gives the target's value and, through an in-graph ArgMax seed, the predicted class.
 */
import { NeurolensError } from '../errors.js';
import { checkBatchDim, decodeImage, resolvePreprocessing } from '../images/index.js';
import type { PreprocessingOverrides } from '../images/types.js';
import { attributionMessages } from '../messages/attribution.js';
import { openModel, type OpenedModel } from '../model/open.js';
import type { LayerInfo } from '../onnx/catalogue/index.js';
import type { TensorLike } from '../runtime/types.js';
import { GradientEngine, rowArgmax, type GradientBatch, type SeedTerm, type TargetGradients } from './gradients.js';
import { findGapHead, type GapHead } from './head.js';
import { resolveOptions, type MethodResult, type Prepared } from './method.js';
import { getMethod } from './registry.js';
import { classReader, Engine, neuronReader, Scorer, type TargetReader } from './scorer.js';
import { resolveTarget } from './target.js';
import type {
  AttributionMethod,
  AttributionResult,
  AttributionTarget,
  Attributor,
  AttributorModel,
  AttributorOptions,
  BoundTarget,
  MethodOptions,
  ScoreQuantity,
} from './types.js';
import { DEFAULT_MAX_BATCH } from './defaults.js';

export { DEFAULT_MAX_BATCH } from './defaults.js';

/** A BoundTarget with what the methods need besides `score`. */
interface Bound extends BoundTarget {
  scorer: Scorer;
  taps: Record<string, TensorLike>;
  gradients: TargetGradients;
}

/** Checks `value` with `ok`; a one-line usage error naming `option` otherwise. */
function check<T>(option: string, value: T, ok: (v: T) => boolean, rule: string): T {
  if (!ok(value)) throw new NeurolensError('usage', attributionMessages.badOption(option, value, rule));
  return value;
}
const positiveInt = (v: unknown) => Number.isSafeInteger(v) && (v as number) > 0;

/**
 * The options of `method` with defaults filled in (only the keys the method declares, in its
 * order); `defaultLayer` is what a layer option left out becomes.
 */
export function methodDefaults(method: AttributionMethod, options: MethodOptions, size: readonly [number, number], defaultLayer?: () => string): MethodOptions {
  return resolveOptions(getMethod(method), options, size, defaultLayer);
}

/** The Attributor of this module; `prepare` tells the options in effect without running anything. */
export class ModelAttributor implements Attributor {
  readonly inputSize: readonly [number, number];
  private readonly size: number;
  private head: GapHead | string | undefined;

  constructor(
    private readonly model: AttributorModel,
    private readonly engine: Engine,
    private readonly maxBatch: number,
    private readonly name: string,
    private readonly gradientEngine: GradientEngine,
  ) {
    const prep = model.preprocessing;
    this.inputSize = [prep.height, prep.width];
    this.size = prep.channels * prep.height * prep.width;
  }

  get preprocessing() {
    return this.model.preprocessing;
  }

  async loadImage(file: string): Promise<Float32Array> {
    return (await decodeImage(file, this.model.preprocessing)).data;
  }

  bind(image: Float32Array, target: AttributionTarget, quantity: ScoreQuantity = 'logit'): Promise<BoundTarget> {
    return this.bindWith(image, target, quantity, [], []);
  }

  /**
   * bind, also tapping `extra` tensors on the clean run (returned in `taps`). `edits` are the
   * interventions the method will need: the session is instrumented for them before the clean run,
   * so it is created once per attribute() call at most, not once for the clean run and again for
   * the perturbed ones.
   */
  private async bindWith(image: Float32Array, target: AttributionTarget, quantity: ScoreQuantity, extra: readonly string[], edits: readonly string[]): Promise<Bound> {
    const resolved = await this.resolveChecked(image, target, quantity);
    const output = this.model.model.graph?.output?.[0]?.name ?? '';
    const taps = [...new Set([...(resolved.kind === 'neurons' ? resolved.neurons.map((n) => n.layer.tensor) : []), ...extra])];
    await this.engine.require(taps, edits);
    const clean = await this.engine.run(image.slice(), 1, taps, undefined, resolved.kind === 'class');
    let reader: TargetReader;
    let description: string;
    let cls: number | undefined;
    let terms: SeedTerm[];
    if (resolved.kind === 'class') {
      const logits = clean.outputs[output]!;
      if (logits.dims.length !== 2) throw new NeurolensError('model', attributionMessages.noClasses(this.name));
      cls = resolved.cls ?? rowArgmax(logits, 1)[0]!;
      description = this.classDescription(cls, resolved.cls === undefined);
      reader = classReader(output, cls, quantity);
      terms = [{ kind: 'class', tensor: output, cls, softmax: quantity === 'probability' }];
    } else {
      reader = neuronReader(resolved.neurons.map((n) => ({ tensor: n.layer.tensor, channel: n.channel, ...(n.layer.layout ? { layout: n.layer.layout } : {}) })));
      description = resolved.description;
      terms = neuronTerms(resolved.neurons);
    }
    const scorer = new Scorer(this.engine, reader, this.maxBatch, this.size);
    return {
      description,
      ...(cls === undefined ? {} : { cls }),
      quantity: resolved.kind === 'class' ? quantity : 'activation',
      clean: reader.read(clean, 1)[0]!,
      score: (inputs, count) => scorer.score(inputs, count),
      scorer,
      taps: clean.taps,
      gradients: this.gradientEngine.bind(terms),
    };
  }

  /** The target resolved, after the checks every attribute() and bind() make on their arguments. */
  private resolveChecked(image: Float32Array, target: AttributionTarget, quantity: ScoreQuantity): ReturnType<typeof resolveTarget> {
    if (image.length !== this.size) throw new NeurolensError('usage', attributionMessages.badImage(image.length, this.size));
    check('--quantity', quantity, (q) => q === 'logit' || q === 'probability', 'logit or probability');
    return resolveTarget(target, this.model.summary, this.name);
  }

  /** 'predicted class 8 (heart)' / 'class 8 (heart)'. */
  private classDescription(cls: number, predicted: boolean): string {
    const label = this.model.classNames?.[cls];
    return `${predicted ? 'predicted ' : ''}class ${cls}${label === undefined ? '' : ` (${label})`}`;
  }

  /**
   * attribute() for a method whose map comes from gradients alone (its spec's `gradientOnly`): no
   * clean pass. The target's value, and for `pred` the predicted class (an in-graph ArgMax seeds the
   * gradient), come from the method's first gradient pass, whose first row is the image itself.
   */
  private async attributeByGradients(image: Float32Array, method: AttributionMethod, target: AttributionTarget, quantity: ScoreQuantity, prepared: Prepared, effective: MethodOptions): Promise<AttributionResult> {
    const resolved = await this.resolveChecked(image, target, quantity);
    const output = this.model.model.graph?.output?.[0]?.name ?? '';
    let terms: SeedTerm[];
    if (resolved.kind === 'class') {
      if (this.model.summary.outputs[0]?.dims.length !== 2) throw new NeurolensError('model', attributionMessages.noClasses(this.name));
      const softmax = quantity === 'probability';
      terms = [resolved.cls === undefined ? { kind: 'pred', tensor: output, softmax } : { kind: 'class', tensor: output, cls: resolved.cls, softmax }];
    } else {
      terms = neuronTerms(resolved.neurons);
    }
    const bound = this.gradientEngine.bind(terms);
    let first: GradientBatch | undefined;
    const gradients: TargetGradients = {
      tensors: bound.tensors,
      compute: async (inputs, count, request) => {
        const batch = await bound.compute(inputs, count, request);
        first ??= batch;
        return batch;
      },
    };
    const run = await getMethod(method).attribute({
      image,
      shape: this.model.preprocessing,
      scorer: unavailable<Scorer>(method, 'scorer'),
      clean: Number.NaN,
      cleanTaps: {},
      gradients,
      prepared,
      options: effective,
      ...(resolved.kind === 'class' && resolved.cls !== undefined ? { cls: resolved.cls } : {}),
    });
    if (!first) throw new Error(`method ${method} declares gradientOnly but ran no gradient pass`);
    const cls = resolved.kind === 'class' ? (resolved.cls ?? first.classes![0]!) : undefined;
    const described: Omit<BoundTarget, 'score'> = {
      description: cls === undefined ? (resolved as { description: string }).description : this.classDescription(cls, resolved.kind === 'class' && resolved.cls === undefined),
      ...(cls === undefined ? {} : { cls }),
      quantity: resolved.kind === 'class' ? quantity : 'activation',
      clean: first.values[0]!,
    };
    return this.result(method, effective, described, run, 0);
  }

  private result(method: AttributionMethod, effective: MethodOptions, target: Omit<BoundTarget, 'score'>, run: MethodResult, cleanPasses: number): AttributionResult {
    return {
      map: run.map,
      method,
      target,
      options: effective,
      passes: run.passes + cleanPasses,
      backward: run.backward ?? 0,
      ...(run.inputGradient ? { inputGradient: run.inputGradient } : {}),
      ...(run.diagnostics ? { diagnostics: run.diagnostics } : {}),
    };
  }

  /** What the method's prepare found and the options in effect (checks everything before any pass). */
  prepare(method: AttributionMethod, target: AttributionTarget, options: MethodOptions): Prepared & { effective: MethodOptions } {
    const spec = getMethod(method);
    const prepared =
      spec.prepare?.({
        summary: this.model.summary,
        target,
        options,
        modelName: this.name,
        model: this.model.model,
        gapHead: () => this.gapHead(),
        headLayer: (head) => this.headLayer(head),
      }) ?? {};
    const { layer } = prepared;
    const effective = resolveOptions(spec, options, this.inputSize, layer ? () => layer.id : undefined);
    // A layer given by tensor name is recorded by its catalogue id.
    if (layer && effective.layer !== undefined) effective.layer = layer.id;
    return { ...prepared, effective };
  }

  async attribute(image: Float32Array, method: AttributionMethod, target: AttributionTarget, options: MethodOptions & { quantity?: ScoreQuantity } = {}): Promise<AttributionResult> {
    const { effective, ...prepared } = this.prepare(method, target, options);
    if (getMethod(method).gradientOnly) return this.attributeByGradients(image, method, target, options.quantity ?? 'logit', prepared, effective);
    const tapped = prepared.layer ? [prepared.layer.tensor] : [];
    const bound = await this.bindWith(image, target, options.quantity ?? 'logit', tapped, prepared.edits ?? []);
    const run = await getMethod(method).attribute({
      image,
      shape: this.model.preprocessing,
      scorer: bound.scorer,
      clean: bound.clean,
      cleanTaps: bound.taps,
      gradients: bound.gradients,
      prepared,
      options: effective,
      ...(bound.cls === undefined ? {} : { cls: bound.cls }),
    });
    const { score: _score, scorer: _scorer, taps: _taps, gradients: _gradients, ...described } = bound;
    return this.result(method, effective, described, run, 1);
  }

  /** The GAP → linear head, or a one-line error saying why there is none. */
  private gapHead(): GapHead {
    const output = this.model.summary.outputs[0]?.name;
    this.head ??= output === undefined ? 'has no output' : findGapHead(this.model.model, output);
    if (typeof this.head === 'string') throw new NeurolensError('usage', attributionMessages.camHead(this.name, this.head));
    return this.head;
  }

  /** The catalogue layer of the pooled map (a stand-in LayerInfo when the catalogue lacks it). */
  private headLayer(head: GapHead): LayerInfo {
    const found = this.model.summary.layers.find((l) => l.tensor === head.feature);
    if (found) return found;
    return { id: head.feature, tensor: head.feature, kind: 'feature', channels: head.channels, block: head.feature, op: '', isDefault: false, index: -1 };
  }

  async close(): Promise<void> {
    await Promise.all([this.engine.close(), this.gradientEngine.close()]);
  }
}

/** A stand-in for a context field a gradient-only method must not read: any use is a programming error. */
function unavailable<T extends object>(method: string, field: string): T {
  return new Proxy({} as T, {
    get: () => {
      throw new Error(`method ${method} declares gradientOnly but reads ${field}`);
    },
  });
}

/** The seed terms of a neuron or circuit target: each neuron's mean activation. */
function neuronTerms(neurons: readonly { layer: LayerInfo; channel: number }[]): SeedTerm[] {
  return neurons.map((n) => ({ kind: 'neuron', tensor: n.layer.tensor, channel: n.channel, layer: n.layer }));
}

/** An Attributor over `model` (one session, opened on first use). */
export async function createAttributor(model: AttributorModel, options: AttributorOptions = {}): Promise<Attributor> {
  return makeAttributor(model, options, model.model.graph?.name ? `model ${JSON.stringify(model.model.graph.name)}` : 'the model');
}

/** createAttributor, with the name messages give the model (e.g. its file). */
export function makeAttributor(model: AttributorModel, options: AttributorOptions, name: string): ModelAttributor {
  const { maxBatch = DEFAULT_MAX_BATCH, ...session } = options;
  check('--max-batch', maxBatch, positiveInt, 'a positive integer');
  const gradients = new GradientEngine(model.model, model.preprocessing, session, maxBatch);
  return new ModelAttributor(model, new Engine(model.model, model.preprocessing, session), maxBatch, name, gradients);
}

export interface OpenAttributorOptions extends AttributorOptions {
  /** Preprocessing overrides (size, mean, std, …) over the model card's. */
  preprocessing?: PreprocessingOverrides;
}

/** The AttributorModel of an opened model: its catalogue, resolved preprocessing and class names. */
export function attributorModel(opened: OpenedModel, overrides: PreprocessingOverrides = {}): AttributorModel {
  const { summary } = opened;
  const preprocessing = resolvePreprocessing(
    { name: summary.input.name, dims: summary.input.dims, elemType: summary.input.elemType },
    opened.card,
    overrides,
    { modelPath: opened.loaded.path },
  );
  checkBatchDim(summary.input);
  const classNames = opened.card?.classNames;
  return { model: opened.loaded.model, summary, preprocessing, ...(classNames ? { classNames } : {}) };
}

/** Opens the .onnx file at `modelPath` (model card next to it) and creates its Attributor. */
export async function openAttributor(modelPath: string, options: OpenAttributorOptions = {}): Promise<Attributor> {
  const { preprocessing: overrides = {}, ...rest } = options;
  const size = overrides.size;
  const inputSize: [number, number] | undefined = size === undefined ? undefined : typeof size === 'number' ? [size, size] : [size[0], size[1]];
  const opened = await openModel(modelPath, inputSize ? { inputSize } : {});
  return makeAttributor(attributorModel(opened, overrides), rest, modelPath);
}
