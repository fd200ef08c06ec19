/**
 * `neurolens attribute eval`: a thin wrapper over src/attribution/eval (evaluateAttributions):
 * pixel-flipping (MoRF/LeRF), deletion and insertion curves of attribution maps, the random-map
 * baseline and the cascading-randomisation sanity check → OUT/eval.json, eval.md, curves.METHOD.png.
 */
import { Option, type Command } from 'commander';
import { EVAL_DEFAULTS } from '../../attribution/eval/defaults.js';
import { checkCurves, checkMethods } from '../../attribution/eval/settings.js';
import { BASELINE_KINDS, CURVE_KINDS, type BaselineKind, type EvalAttributionsOptions } from '../../attribution/eval/types.js';
import { methodNames } from '../../attribution/registry.js';
import type { ScoreQuantity } from '../../attribution/types.js';
import { NeurolensError } from '../../errors.js';
import { attributionEvalMessages as msg, shardMessages } from '../../messages/index.js';
import { parseShard, type ShardSpec } from '../../shards/spec.js';
import {
  addMethodOptions,
  commaList,
  deviceOption,
  limitOption,
  maxBatchOption,
  methodOptionsFromFlags,
  methodsHelp,
  nonNegativeInteger,
  positiveInteger,
  requiredWhenCommandRuns,
  seedOption,
  shownDefault,
  threadsOption,
} from '../options.js';
import { createProgressRenderer } from '../progress.js';
import { runAction } from '../run-action.js';

export interface EvalFlags {
  shard?: ShardSpec;
  model?: string;
  images?: string;
  method?: string | string[];
  target?: string;
  maps?: string;
  steps?: number;
  unit?: number;
  baseline?: string;
  deletionBaseline?: string;
  insertionBaseline?: string;
  curves?: string[];
  quantity?: string;
  mapQuantity?: string;
  randomMaps?: number;
  sanity?: boolean;
  sanitySteps?: number;
  seed?: number;
  limit?: number;
  out?: string;
  threads?: number;
  maxBatch?: number;
  device?: string;
  /** The method options' flags (read by methodOptionsFromFlags). */
  [methodOption: string]: unknown;
}

function choice(option: string) {
  return (value: string): string => {
    const v = value.trim();
    if (!(BASELINE_KINDS as readonly string[]).includes(v)) throw new NeurolensError('usage', msg.badBaseline(option, value, BASELINE_KINDS));
    return v;
  };
}

function quantity(option: string) {
  return (value: string): string => {
    const v = value.trim();
    if (v !== 'probability' && v !== 'logit') throw new NeurolensError('usage', msg.badQuantity(value, option));
    return v;
  };
}

/**
 * The subcommand's flags over the parent's: unless the root program uses positional options,
 * commander gives options written after `attribute eval` that `attribute` also declares to
 * `attribute`, so they are read from there too. Flags the subcommand received win.
 */
function withParent(flags: EvalFlags, command: Command): EvalFlags {
  const parentCommand = command.parent;
  // Only values the user typed: the parent's defaults (e.g. `attribute --quantity logit`) must not override eval's.
  const parent = Object.fromEntries(
    Object.entries((parentCommand?.opts() ?? {}) as Record<string, unknown>).filter(([key, v]) => v !== undefined && parentCommand?.getOptionValueSource(key) === 'cli'),
  );
  const own = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  return { ...parent, ...own } as EvalFlags;
}

/** The library options from the flags (checking what commander's parsers could not). */
export function evalOptionsFromFlags(flags: EvalFlags): EvalAttributionsOptions {
  if (!flags.model) throw new NeurolensError('usage', msg.noModel());
  if (!flags.images) throw new NeurolensError('usage', msg.noImages());
  if (!flags.out) throw new NeurolensError('usage', msg.noOut());
  const methods = checkMethods(Array.isArray(flags.method) ? flags.method : commaList(flags.method ?? ''));
  const methodOptions = methodOptionsFromFlags(flags, OWN_FLAGS);
  const o: EvalAttributionsOptions = { model: flags.model, images: flags.images, methods, out: flags.out, methodOptions };
  if (flags.target !== undefined) o.target = flags.target;
  if (flags.maps !== undefined) o.maps = flags.maps;
  if (flags.steps !== undefined) o.steps = flags.steps;
  if (flags.unit !== undefined) o.unit = flags.unit;
  if (flags.baseline !== undefined) o.baseline = flags.baseline as BaselineKind;
  if (flags.deletionBaseline !== undefined) o.deletionBaseline = flags.deletionBaseline as BaselineKind;
  if (flags.insertionBaseline !== undefined) o.insertionBaseline = flags.insertionBaseline as BaselineKind;
  if (flags.curves !== undefined) o.curves = checkCurves(flags.curves);
  if (flags.quantity !== undefined) o.quantity = flags.quantity as ScoreQuantity;
  if (flags.mapQuantity !== undefined) o.mapQuantity = flags.mapQuantity as ScoreQuantity;
  if (flags.randomMaps !== undefined) o.randomMaps = flags.randomMaps;
  if (flags.sanity) o.sanity = true;
  if (flags.sanitySteps !== undefined) o.sanitySteps = flags.sanitySteps;
  if (flags.seed !== undefined) o.seed = flags.seed;
  if (flags.limit !== undefined) o.limit = flags.limit;
  if (flags.threads !== undefined) o.threads = flags.threads;
  if (flags.maxBatch !== undefined) o.maxBatch = flags.maxBatch;
  if (flags.device !== undefined) o.device = flags.device as 'cpu' | 'cuda';
  return o;
}

/**
 * A choice option whose help lists the choices while a bad value gets the library's sentence for it:
 * the parser set after .choices() replaces commander's check but keeps the list for the help.
 */
function listed(option: Option, choices: readonly string[], parse: (value: string) => string, shown: string): Option {
  return shownDefault(option.choices(choices).argParser(parse), shown);
}

/** The options of `attribute eval` itself; the methods' options are added from the registry. */
function ownOptions(): Option[] {
  const D = EVAL_DEFAULTS;
  const required = (flags: string, description: string) => requiredWhenCommandRuns(new Option(flags, description));
  const integer = (flags: string, description: string, shown: number, parse = positiveInteger) =>
    shownDefault(new Option(flags, description).argParser(parse(flags.split(' ')[0]!)), shown);
  const quantities = ['probability', 'logit'];
  return [
    required('--model <file>', 'the .onnx model'),
    required('--images <source>', 'image folder, list file or one image'),
    required('--method <names>', `attribution method(s), comma-separated: ${methodNames().join(', ')}`),
    shownDefault(new Option('--target <t>', 'pred, a class index or name, neuron:LAYER:C or circuit:FILE[#K]'), 'pred'),
    new Option('--maps <dir>', 'evaluate the maps of this `npx neurolens attribute` output folder instead of computing them'),
    integer('--steps <n>', 'curve points after k = 0', D.steps),
    integer('--unit <n>', 'side of the square units the map is averaged over, in input pixels', D.unit),
    listed(new Option('--baseline <kind>', 'pixel-flipping (MoRF/LeRF) baseline'), BASELINE_KINDS, choice('--baseline'), D.baseline),
    listed(new Option('--deletion-baseline <kind>', 'deletion baseline'), BASELINE_KINDS, choice('--deletion-baseline'), D.deletionBaseline),
    listed(new Option('--insertion-baseline <kind>', 'insertion start image'), BASELINE_KINDS, choice('--insertion-baseline'), D.insertionBaseline),
    shownDefault(new Option('--curves <list>', `curves to run, comma-separated: ${CURVE_KINDS.join(', ')}`).argParser(commaList), 'all'),
    listed(new Option('--quantity <q>', 'score of class targets on the curves'), quantities, quantity('--quantity'), D.quantity),
    listed(new Option('--map-quantity <q>', 'score of class targets the maps are computed on'), quantities, quantity('--map-quantity'), 'logit'),
    integer('--random-maps <n>', 'seeded random maps per image for the baselines (scattered, and smoothness-matched per grid); 0 = none', D.randomMaps, nonNegativeInteger),
    new Option('--sanity', 'also run the cascading model-randomisation sanity check'),
    integer('--sanity-steps <n>', 'most cascade steps, layers spread evenly when there are more', D.sanitySteps),
    seedOption(D.seed, 'the random maps and randomised weights'),
    limitOption(),
    required('--out <dir>', 'folder for eval.json, eval.md and the curve charts'),
    threadsOption(),
    maxBatchOption('most images per model run'),
    deviceOption(),
    new Option('--shard <i/n>', 'evaluate only shard I of N of the images into OUT/shards/ (no --sanity); `merge OUT` assembles them').argParser(parseShard),
  ];
}

/** Flags `attribute eval` declares itself: a method option with one of them is not offered here. */
const OWN_FLAGS: ReadonlySet<string> = new Set(ownOptions().map((o) => o.long!));

/** Adds `eval` to the `attribute` command. */
export function registerAttributeEval(attribute: Command): void {
  const command = attribute
    .command('eval')
    .description('evaluate attribution maps: pixel-flipping (MoRF/LeRF), deletion and insertion curves with AUC/ABPC, a random-map baseline and the cascading-randomisation sanity check')
    .addHelpText('after', methodsHelp());
  for (const option of ownOptions()) command.addOption(option);
  addMethodOptions(command, OWN_FLAGS)
    .action((own: EvalFlags, self: Command) =>
      runAction(async () => {
        const [{ evaluateAttributions }, { formatSummary: formatAttributionEvalSummary }, { evaluateAttributionsShard }] = await Promise.all([import('../../attribution/eval/pipeline.js'), import('../../attribution/eval/report.js'), import('../../attribution/eval/shards.js')]);
        const flags = withParent(own, self);
        const options = evalOptionsFromFlags(flags);
        const progress = createProgressRenderer();
        try {
          const hooks = {
            onProgress: (p: { phase: string; done: number; total: number; rate?: number }) => progress.update({ phase: p.phase, done: p.done, total: p.total, ...(p.rate === undefined ? {} : { rate: p.rate }) }),
            onWarning: (line: string) => process.stderr.write(`neurolens attribute eval: ${line}\n`),
          };
          if (flags.shard) {
            const done = await evaluateAttributionsShard(options, flags.shard, hooks);
            progress.stop();
            process.stdout.write(`${shardMessages.attributionEvalShardDone(done.index, done.count, done.images, options.out)}\n`);
            return;
          }
          const { result, files } = await evaluateAttributions(options, hooks);
          progress.stop();
          process.stdout.write(formatAttributionEvalSummary(result) + files.map((f) => `${f}\n`).join(''));
        } finally {
          progress.stop();
        }
      }),
    );
}
