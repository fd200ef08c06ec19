/**
 * What an attribution method declares, in its own file: its name, its options (key, CLI flag,
 * default, rule, one-line doc) and its prepare/attribute functions. The registry (registry.ts)
 * lists the methods; the Attributor, the evaluation and both `attribute` commands read everything
 * from there, so a new method is one new file plus its line in the registry.
 *
 * Option values are numbers or strings. The options in effect (defaults filled in, recorded in
 * attribution.json and eval.json) keep the order the method declares them in.
 */
import { NeurolensError } from '../errors.js';
import { attributionMessages } from '../messages/attribution.js';
import type { LayerInfo, ModelSummary } from '../onnx/catalogue/index.js';
import type { ModelProto } from '../onnx/types.js';
import type { GapHead } from './head.js';
import type { MethodContext } from './scorer.js';
import type { AttributionMap, AttributionTarget, MethodOptions } from './types.js';

/** A method option's value. */
export type OptionValue = number | string;

/** What defaults and rules may depend on. */
export interface OptionContext {
  /** Model input height and width in pixels. */
  height: number;
  width: number;
  /** The options declared before this one, already in effect (e.g. occlusion's stride defaults to window/2). */
  resolved: Readonly<Record<string, OptionValue | undefined>>;
  /** The id of the layer the method's prepare chose, for a `layer` option left out. */
  defaultLayer?: () => string | undefined;
  /** The method whose options are resolved: a shared option (`--steps`) may default per method. Absent when the CLI reads a flag. */
  method?: string;
}

/** The rule a value must meet: a test and the words errors use for it (`--window must be <text>, got 0`). */
export interface OptionRule {
  ok: (value: OptionValue) => boolean;
  text: string;
}

/** One option of a method. Methods sharing an option (fill, layer) share one declaration. */
export interface MethodOption {
  /** Its key in the library's options and in the recorded options, e.g. 'window'. */
  key: string;
  /** The CLI flag, e.g. '--window'; errors name the option by it. */
  flag: string;
  /** The value's placeholder in help, e.g. '<n>'. */
  placeholder: string;
  /** How the CLI reads the flag's text before the rule is checked. */
  parse: 'integer' | 'number' | 'string';
  /** One line for help and docs (without the default). */
  doc: string;
  /** The default as help shows it, e.g. '⌈H/8⌉'. */
  defaultDoc: string;
  /** The default in effect; absent or undefined leaves the key to the method's prepare (the CAM layer). */
  default?: (ctx: OptionContext) => OptionValue | undefined;
  /**
   * The rule values must meet. `ctx` is absent when the CLI reads a flag (no model opened yet), so
   * a rule that depends on the input size checks only what it can without it then.
   */
  rule?: (ctx?: OptionContext) => OptionRule;
}

/** What prepare sees: the model and the target, before anything runs. */
export interface PrepareContext {
  summary: ModelSummary;
  target: AttributionTarget;
  /** The options as given (no defaults yet). */
  options: MethodOptions;
  /** The name messages give the model (e.g. its file). */
  modelName: string;
  /** The model's graph (read only), for methods that read its weights (fullgrad's biases). */
  model: ModelProto;
  /** The model's global-average-pool → linear head; a one-line error when it has none. */
  gapHead(): GapHead;
  /** The catalogue layer of the head's pooled map (a stand-in when the catalogue lacks it). */
  headLayer(head: GapHead): LayerInfo;
}

/** What prepare found, checked before the first pass. */
export interface Prepared {
  /** The layer whose maps the method reads: tapped on the clean pass; its id is the `layer` option in effect. */
  layer?: LayerInfo;
  head?: GapHead;
  /** Tensors the perturbed passes intervene on (instrumented before the clean pass, so the session is built once). */
  edits?: readonly string[];
  /** Anything else the method's own attribute() reads, found once per call (fullgrad: its bias layers). */
  state?: unknown;
}

/** What attribute gets: the clean pass, a scorer for perturbed inputs, what prepare found and the options in effect. */
export interface MethodRun extends MethodContext {
  prepared: Prepared;
  options: MethodOptions;
  /** The class of pred/class targets. */
  cls?: number;
}

/** What a method's attribute() returns. */
export interface MethodResult {
  map: AttributionMap;
  /** Forward passes spent on the map, the clean pass not counted (an image through the gradient graph counts one). */
  passes: number;
  /** Backward passes (images through the gradient graph: each also counted in `passes`). Default 0. */
  backward?: number;
  /**
   * The signed, unreduced input gradient the map was built from, C·H·W in [C, H, W] order whatever
   * the model's layout (what `attribute --raw` stores); only methods declaring `rawGradient` give it.
   */
  inputGradient?: Float32Array;
  /** Per-image numbers recorded next to the map in attribution.json (integrated-gradients: its completeness error). */
  diagnostics?: Readonly<Record<string, number>>;
}

/** An attribution method. */
export interface AttributionMethodSpec {
  /** The name `--method` takes and file names carry (NAME.METHOD.npy): lowercase letters, digits, '-' and '+' (grad-cam++). */
  name: string;
  /** One line for help: what the method does and costs. */
  summary: string;
  /** Its options, in the order they are recorded. */
  options: readonly MethodOption[];
  /**
   * For methods with an input gradient: what their `inputGradient` holds, for docs and help (e.g.
   * 'the gradient averaged along the path'). Methods without it refuse `attribute --raw`.
   */
  rawGradient?: string;
  /**
   * The map comes from gradients alone, and the method's first gradient pass has the image itself
   * as its first row: the Attributor then skips its clean pass and takes the target's value (and the
   * predicted class, found by the gradient graph) from that pass. Such a method reads neither
   * `scorer`, `clean`, `cleanTaps` nor `cls`. Default false.
   */
  gradientOnly?: boolean;
  /** Checks the target, resolves layers/heads; throws one-line usage errors. Default: nothing to prepare. */
  prepare?: (ctx: PrepareContext) => Prepared;
  /** The map and the passes spent on it (MethodResult). */
  attribute: (run: MethodRun) => Promise<MethodResult>;
}

/** Checks `value` against `option`'s rule; a one-line usage error naming the flag otherwise. */
export function checkOption(option: MethodOption, value: OptionValue, ctx?: OptionContext): OptionValue {
  const rule = option.rule?.(ctx);
  if (rule && !rule.ok(value)) throw new NeurolensError('usage', attributionMessages.badOption(option.flag, value, rule.text));
  return value;
}

/**
 * The options of `spec` in effect: given values checked, defaults filled in, in declaration order,
 * only the keys the method declares. `defaultLayer` is what a layer option left out defaults to.
 */
export function resolveOptions(spec: AttributionMethodSpec, given: MethodOptions, size: readonly [number, number], defaultLayer?: () => string): MethodOptions {
  const [height, width] = size;
  const resolved: Record<string, OptionValue | undefined> = {};
  for (const option of spec.options) {
    const ctx: OptionContext = { height, width, resolved, method: spec.name, ...(defaultLayer ? { defaultLayer } : {}) };
    const value = (given as Record<string, OptionValue | undefined>)[option.key] ?? option.default?.(ctx);
    if (value !== undefined) resolved[option.key] = checkOption(option, value, ctx);
  }
  return resolved as MethodOptions;
}

/** Reads a flag's text as `option` declares (number parsing, then its rule without the model). */
export function parseOptionText(option: MethodOption, text: string): OptionValue {
  const trimmed = text.trim();
  let value: OptionValue = trimmed;
  if (option.parse !== 'string') {
    const n = Number(trimmed);
    const integer = /^[+-]?\d+$/.test(trimmed) && Number.isSafeInteger(n);
    if (trimmed === '' || !Number.isFinite(n) || (option.parse === 'integer' && !integer)) {
      throw new NeurolensError('usage', attributionMessages.badOption(option.flag, text, option.rule?.().text ?? (option.parse === 'integer' ? 'an integer' : 'a number')));
    }
    value = n;
  }
  return checkOption(option, value);
}

const positiveInt = (v: OptionValue) => Number.isSafeInteger(v) && (v as number) > 0;

/** The rule of a positive integer, at most the shorter input side once the model is known (`note` follows the range). */
export const sideRule =
  (note = '') =>
  (ctx?: OptionContext): OptionRule => {
    if (!ctx) return { ok: positiveInt, text: 'a positive integer' };
    const side = Math.min(ctx.height, ctx.width);
    return { ok: (v) => positiveInt(v) && (v as number) <= side, text: `an integer from 1 to ${side}${note}` };
  };

/** The rule of a positive integer. */
export const positiveIntegerRule = (): OptionRule => ({ ok: positiveInt, text: 'a positive integer' });

/** The rule of a non-negative integer (seeds). */
export const nonNegativeIntegerRule = (): OptionRule => ({ ok: (v) => Number.isSafeInteger(v) && (v as number) >= 0, text: 'a non-negative integer' });

/** The rule of one of `choices` (errors list them). */
export const choiceRule = (choices: readonly string[]) => (): OptionRule => ({ ok: (v) => choices.includes(v as string), text: choices.join(', ') });
