/**
 * The CLI's option vocabulary: one builder per option that several commands share (one spelling,
 * one parser, one description, one default read from the library), plus the value parsers. Every
 * parser rejects bad input with a one-line usage error (exit 2).
 *
 * Defaults the library applies itself are only *shown* (`shownDefault`): the flag stays undefined
 * and the library uses the very constant the help printed, so the two cannot drift apart.
 */
import { Option, type Command } from 'commander';
import { DEFAULT_MAX_BATCH } from '../attribution/defaults.js';
import { parseOptionText, type MethodOption } from '../attribution/method.js';
import { listMethods, methodOptions, methodsUsing } from '../attribution/registry.js';
import type { MethodOptions } from '../attribution/types.js';
import { parseSupportGate } from '../circuits/support.js';
import { NeurolensError } from '../errors.js';
import { CLI, circuitMessages, cliMessages } from '../messages/index.js';
import { POOLINGS, type Pooling } from '../record/types.js';

// ---------------------------------------------------------------------------------------------
// Value parsers

export function positiveInteger(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) {
      throw new NeurolensError('usage', cliMessages.badInteger(option, value));
    }
    return n;
  };
}

/** Integers ≥ 0 (seeds, counts where 0 means "none"). */
export function nonNegativeInteger(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new NeurolensError('usage', cliMessages.badNonNegativeInteger(option, value));
    return n;
  };
}

/** Any finite number. */
export function finiteNumber(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new NeurolensError('usage', cliMessages.badNumber(option, value));
    return n;
  };
}

/** A finite number ≥ 0. */
export function nonNegativeNumber(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new NeurolensError('usage', cliMessages.badNonNegativeNumber(option, value));
    return n;
  };
}

/** A number in (0, max]. */
export function fraction(option: string, max = 1) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !(n > 0 && n <= max)) throw new NeurolensError('usage', cliMessages.badFraction(option, value, max));
    return n;
  };
}

/** '224' → [224, 224]; '224x192' (height × width) → [224, 192]. */
export function imageSize(value: string): [number, number] {
  const match = /^(\d+)(?:[x×](\d+))?$/.exec(value.trim());
  if (!match) throw new NeurolensError('usage', cliMessages.badSize(value));
  const height = Number(match[1]);
  const width = Number(match[2] ?? match[1]);
  if (height <= 0 || width <= 0) throw new NeurolensError('usage', cliMessages.badSize(value));
  return [height, width];
}

export function commaList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

// ---------------------------------------------------------------------------------------------
// Required options

const requiredWhenRun = new WeakSet<Option>();

/**
 * Makes a mandatory option required only when its own command runs. Commander checks the mandatory
 * options of every ancestor too, so `circuits eval` would fail for want of `circuits --query`; the
 * help still marks the option "required" (see ./help.ts) and `checkRequired` enforces it.
 */
export function requiredWhenCommandRuns(option: Option): Option {
  requiredWhenRun.add(option.makeOptionMandatory(false));
  return option;
}

export function isRequired(option: Option): boolean {
  return option.mandatory || requiredWhenRun.has(option);
}

/** Fails like commander does for a missing mandatory option (a usage error), for `command` only. */
export function checkRequired(command: Command): void {
  for (const option of command.options) {
    if (requiredWhenRun.has(option) && command.getOptionValue(option.attributeName()) === undefined) {
      command.error(cliMessages.missingOption(option.flags), { code: 'commander.missingMandatoryOptionValue' });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Builders

/**
 * Shows `value` as the option's default in the help without setting it: the library applies it.
 * (Commander itself prints a default only when it also sets it; src/cli/help.ts prints both.)
 */
export function shownDefault(option: Option, value: string | number): Option {
  return option.default(undefined, String(value));
}

/** What a RUN is, for `--run` and the `<run>` argument of serve/report; `needs` adds what it must hold. */
export function runDescription(needs?: string): string {
  return `a finished run folder${needs ? ` ${needs}` : ''} (from \`${CLI} record\`)`;
}

/** `--run <dir>` (required): a finished run folder. */
export function runOption(needs?: string): Option {
  return new Option('--run <dir>', runDescription(needs)).makeOptionMandatory();
}

/** `--threads <n>`: onnxruntime intra-op threads; the runtime defaults to the CPU count. */
export function threadsOption(): Option {
  return shownDefault(new Option('--threads <n>', 'onnxruntime intra-op threads').argParser(positiveInteger('--threads')), cliMessages.cpuCores);
}

/** `--batch <n>` with the library's default for this command; `what` says what is batched. */
export function batchOption(defaultValue: number, what = 'images per inference batch'): Option {
  return shownDefault(new Option('--batch <n>', what).argParser(positiveInteger('--batch')), defaultValue);
}

/** `--layers <ids>`: layers of a run (analyses), by id or tensor name; every recorded layer when left out. */
export function layersOption(what = 'comma-separated layer ids or tensor names of the run'): Option {
  return shownDefault(new Option('--layers <ids>', what).argParser(commaList), cliMessages.everyRecordedLayer);
}

/** `--device <name>`: onnxruntime execution provider. */
export function deviceOption(what = 'execution provider'): Option {
  return new Option('--device <name>', what).choices(['cpu', 'cuda']).default('cpu');
}

/**
 * A command's flags as its library options: `--device` becomes the library's `executionProvider`
 * (the flag keeps the shared CLI name, the option the runtime's).
 */
export function withDevice<T extends { device?: 'cpu' | 'cuda' }>({ device, ...rest }: T): Omit<T, 'device'> & { executionProvider?: 'cpu' | 'cuda' } {
  return { ...rest, ...(device ? { executionProvider: device } : {}) };
}

/** `--pooling <name>`: which recorded pooling an analysis reads. */
export function poolingOption(defaultValue: Pooling | string): Option {
  return shownDefault(new Option('--pooling <name>', 'recorded pooling to use').choices([...POOLINGS]), defaultValue);
}

/** `--seed <n>` (an integer ≥ 0); `what` says what it seeds. */
export function seedOption(defaultValue: number, what: string): Option {
  return shownDefault(new Option('--seed <n>', `seed of ${what}`).argParser(nonNegativeInteger('--seed')), defaultValue);
}

/** `--size <HxW>`: model input size where the model and its card leave it open. */
export function sizeOption(): Option {
  return new Option('--size <HxW>', 'model input size when the model and its card leave it open').argParser(imageSize);
}

/** `--limit <n>`: only the first n images. */
export function limitOption(): Option {
  return new Option('--limit <n>', 'only the first n images').argParser(positiveInteger('--limit'));
}

/** `--max-batch <n>`: most inputs per model run of the attribution commands (the Attributor's default). */
export function maxBatchOption(what = 'most inputs per model run'): Option {
  return shownDefault(new Option('--max-batch <n>', what).argParser(positiveInteger('--max-batch')), DEFAULT_MAX_BATCH);
}

/** `--out <dir>` (or another placeholder): where a command writes; required unless given a default. */
export function outOption(what: string, defaultValue?: string, placeholder = 'dir'): Option {
  const option = new Option(`--out <${placeholder}>`, what);
  return defaultValue === undefined ? option.makeOptionMandatory() : option.default(defaultValue);
}

/** `--support <layers>`: which layers' circuit neurons must support the prediction (circuits/support.ts). */
export function supportOption(defaultValue: string): Option {
  return shownDefault(new Option('--support <layers>', 'layers whose neurons must lower the predicted logit when ablated to enter a circuit: tokens, all or none').argParser(parseSupportGate), defaultValue);
}

/** `--percentile <p>`: percentile of the sensitivity cut, in (0, 100). */
export function percentileOption(defaultValue: number): Option {
  return shownDefault(new Option('--percentile <p>', 'percentile of the peaks-over-threshold sensitivity cut').argParser(percentile), defaultValue);
}

function percentile(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n < 100)) throw new NeurolensError('usage', circuitMessages.badPercentile(value));
  return n;
}

// ---------------------------------------------------------------------------------------------
// Attribution methods: their options come from the method registry, so a new method file is
// offered by `attribute` and `attribute eval` without touching the CLI.

/** The commander attribute (camelCase key in parsed flags) of a method option's flag. */
const attributeOf = (option: MethodOption) => new Option(option.flag).attributeName();

/**
 * Adds one flag per method option of the registry (an option several methods share once; help
 * names the methods, the doc and the default). Options whose flag `command` already declares for
 * itself are not offered (e.g. `attribute eval --seed` seeds the evaluation, so RISE keeps its
 * default seed there); `skip` lists those flags.
 */
export function addMethodOptions(command: Command, skip: ReadonlySet<string> = new Set()): Command {
  for (const option of methodOptions()) {
    if (skip.has(option.flag)) continue;
    const flag = new Option(`${option.flag} ${option.placeholder}`, `${methodsUsing(option).join('/')}: ${option.doc}`).argParser((text: string) => parseOptionText(option, text));
    command.addOption(shownDefault(flag, option.defaultDoc));
  }
  return command;
}

/** The method options among parsed flags (those given; `skip` as for addMethodOptions). */
export function methodOptionsFromFlags(flags: Readonly<Record<string, unknown>>, skip: ReadonlySet<string> = new Set()): MethodOptions {
  const options: Record<string, unknown> = {};
  for (const option of methodOptions()) {
    const value = flags[attributeOf(option)];
    if (!skip.has(option.flag) && value !== undefined) options[option.key] = value;
  }
  return options as MethodOptions;
}

/** Help lines listing the registered methods and what each costs. */
export function methodsHelp(): string {
  const methods = listMethods();
  const width = Math.max(...methods.map((m) => m.name.length));
  return `\nMethods:\n${methods.map((m) => `  ${m.name.padEnd(width)}  ${m.summary}`).join('\n')}\n`;
}
