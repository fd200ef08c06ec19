/**
 * The Attributor (types.ts): binds targets to images and computes maps with every method, all
 * through one Engine (scorer.ts: one instrumented onnxruntime session, reused for every image and
 * method; its instrumentation grows only when a target or method first needs a new layer).
 *
 * attribute() = bind (one clean pass, also tapping the CAM layer when the method needs it) + the
 * method's perturbed passes; `passes` counts both.
 */
import { NeurolensError } from '../errors.js';
import { decodeImage, resolvePreprocessing } from '../images/index.js';
import type { PreprocessingOverrides } from '../images/types.js';
import { attributionMessages } from '../messages/attribution.js';
import { openModel, type OpenedModel } from '../model/open.js';
import type { LayerInfo } from '../onnx/catalogue/index.js';
import type { TensorLike } from '../runtime/types.js';
import { ablationCamMap } from './ablation-cam.js';
import { camMap, checkMapLayer, resolveMapLayer } from './cam.js';
import { FILL_KINDS, type FillKind } from './fill.js';
import { findGapHead, type GapHead } from './head.js';
import { occlusionMap } from './occlusion.js';
import { riseMap } from './rise.js';
import { classReader, Engine, neuronReader, Scorer, type MethodContext, type TargetReader } from './scorer.js';
import { scoreCamMap } from './score-cam.js';
import { findLayer, resolveTarget } from './target.js';
import {
  ATTRIBUTION_METHODS,
  type AttributionMap,
  type AttributionMethod,
  type AttributionResult,
  type AttributionTarget,
  type Attributor,
  type AttributorModel,
  type AttributorOptions,
  type BoundTarget,
  type MethodOptions,
  type ScoreQuantity,
} from './types.js';

export const DEFAULT_MAX_BATCH = 64;

/** A BoundTarget with what the methods need besides `score`. */
interface Bound extends BoundTarget {
  scorer: Scorer;
  taps: Record<string, TensorLike>;
}

/** Checks `value` with `ok`; a one-line usage error naming `option` otherwise. */
function check<T>(option: string, value: T, ok: (v: T) => boolean, rule: string): T {
  if (!ok(value)) throw new NeurolensError('usage', attributionMessages.badOption(option, value, rule));
  return value;
}
const positiveInt = (v: unknown) => Number.isSafeInteger(v) && (v as number) > 0;

/** The options of `method` with defaults filled in (only the keys the method uses, in a fixed order). */
export function methodDefaults(method: AttributionMethod, options: MethodOptions, size: readonly [number, number], defaultLayer?: () => string): MethodOptions {
  const [height, width] = size;
  const fill = check('--fill', options.fill ?? 'zero', (v) => FILL_KINDS.includes(v as FillKind), FILL_KINDS.join(', '));
  switch (method) {
    case 'occlusion': {
      const side = Math.min(height, width);
      const window = check('--window', options.window ?? Math.max(1, Math.ceil(side / 8)), (v) => positiveInt(v) && v <= side, `an integer from 1 to ${side} (the shorter input side)`);
      const stride = check('--stride', options.stride ?? Math.max(1, Math.floor(window / 2)), positiveInt, 'a positive integer');
      return { window, stride, fill };
    }
    case 'rise': {
      const masks = check('--masks', options.masks ?? 2000, positiveInt, 'a positive integer');
      const cells = check('--cells', options.cells ?? 8, (v) => positiveInt(v) && v <= Math.min(height, width), `an integer from 1 to ${Math.min(height, width)}`);
      const keep = check('--keep', options.keep ?? 0.5, (v) => v > 0 && v <= 1, 'a number in (0, 1]');
      const seed = check('--seed', options.seed ?? 0, (v) => Number.isSafeInteger(v) && v >= 0, 'a non-negative integer');
      return { masks, cells, keep, seed, fill };
    }
    case 'score-cam':
      return { layer: options.layer ?? defaultLayer?.(), fill };
    default:
      return { layer: options.layer ?? defaultLayer?.() };
  }
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
    if (image.length !== this.size) throw new NeurolensError('usage', attributionMessages.badImage(image.length, this.size));
    check('--quantity', quantity, (q) => q === 'logit' || q === 'probability', 'logit or probability');
    const resolved = await resolveTarget(target, this.model.summary, this.name);
    const output = this.model.model.graph?.output?.[0]?.name ?? '';
    const taps = [...new Set([...(resolved.kind === 'neurons' ? resolved.neurons.map((n) => n.layer.tensor) : []), ...extra])];
    await this.engine.require(taps, edits);
    const clean = await this.engine.run(image.slice(), 1, taps, undefined, resolved.kind === 'class');
    let reader: TargetReader;
    let description: string;
    let cls: number | undefined;
    if (resolved.kind === 'class') {
      const logits = clean.outputs[output]!;
      if (logits.dims.length !== 2) throw new NeurolensError('model', attributionMessages.noClasses(this.name));
      cls = resolved.cls ?? argmax(logits.data as Float32Array);
      const label = this.model.classNames?.[cls];
      description = `${resolved.cls === undefined ? 'predicted ' : ''}class ${cls}${label === undefined ? '' : ` (${label})`}`;
      reader = classReader(output, cls, quantity);
    } else {
      reader = neuronReader(resolved.neurons.map((n) => ({ tensor: n.layer.tensor, channel: n.channel })));
      description = resolved.description;
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
    };
  }

  /** The layer, head and options in effect for `method` (checks everything before any pass). */
  prepare(method: AttributionMethod, target: AttributionTarget, options: MethodOptions): { layer?: LayerInfo; head?: GapHead; effective: MethodOptions } {
    if (!ATTRIBUTION_METHODS.includes(method)) throw new NeurolensError('usage', attributionMessages.badMethod(String(method), ATTRIBUTION_METHODS));
    const summary = this.model.summary;
    let layer: LayerInfo | undefined;
    let head: GapHead | undefined;
    if (method === 'cam') {
      if (target.kind !== 'pred' && target.kind !== 'class') throw new NeurolensError('usage', attributionMessages.targetNotClass(method));
      head = this.gapHead();
      layer = options.layer === undefined ? this.headLayer(head) : findLayer(summary, options.layer, '--layer');
      checkMapLayer(layer, method);
      if (layer.kind !== 'feature' || layer.channels !== head.channels) {
        throw new NeurolensError('usage', attributionMessages.camLayer(layer.id, layer.channels, this.headLayer(head).id, head.channels));
      }
    } else if (method === 'ablation-cam' || method === 'score-cam') {
      layer = resolveMapLayer(summary, options.layer, method, this.name);
    }
    const effective = methodDefaults(method, options, this.inputSize, () => layer!.id);
    if (layer) effective.layer = layer.id;
    return { ...(layer ? { layer } : {}), ...(head ? { head } : {}), effective };
  }

  async attribute(image: Float32Array, method: AttributionMethod, target: AttributionTarget, options: MethodOptions & { quantity?: ScoreQuantity } = {}): Promise<AttributionResult> {
    const { layer, head, effective } = this.prepare(method, target, options);
    const bound = await this.bindWith(image, target, options.quantity ?? 'logit', layer ? [layer.tensor] : [], method === 'ablation-cam' ? [layer!.tensor] : []);
    const ctx: MethodContext = { image, shape: this.model.preprocessing, scorer: bound.scorer, clean: bound.clean, cleanTaps: bound.taps };
    let run: { map: AttributionMap; passes: number };
    switch (method) {
      case 'occlusion':
        run = await occlusionMap(ctx, { window: effective.window!, stride: effective.stride!, fill: effective.fill! });
        break;
      case 'rise':
        run = await riseMap(ctx, { masks: effective.masks!, cells: effective.cells!, keep: effective.keep!, seed: effective.seed!, fill: effective.fill! });
        break;
      case 'cam':
        run = { map: camMap(ctx, head!, layer!, bound.cls!), passes: 0 };
        break;
      case 'ablation-cam':
        run = await ablationCamMap(ctx, layer!);
        break;
      case 'score-cam':
        run = await scoreCamMap(ctx, layer!, effective.fill!);
        break;
    }
    const { score: _score, scorer: _scorer, taps: _taps, ...described } = bound;
    return { map: run.map, method, target: described, options: effective, passes: run.passes + 1 };
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

  close(): Promise<void> {
    return this.engine.close();
  }
}

function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** An Attributor over `model` (one session, opened on first use). */
export async function createAttributor(model: AttributorModel, options: AttributorOptions = {}): Promise<Attributor> {
  return makeAttributor(model, options, model.model.graph?.name ? `model ${JSON.stringify(model.model.graph.name)}` : 'the model');
}

/** createAttributor, with the name messages give the model (e.g. its file). */
export function makeAttributor(model: AttributorModel, options: AttributorOptions, name: string): ModelAttributor {
  const { maxBatch = DEFAULT_MAX_BATCH, ...session } = options;
  check('--max-batch', maxBatch, positiveInt, 'a positive integer');
  return new ModelAttributor(model, new Engine(model.model, model.preprocessing, session), maxBatch, name);
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
