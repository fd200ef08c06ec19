/**
 * `neurolens attribute eval`: a thin wrapper over src/attribution/eval (evaluateAttributions):
 * pixel-flipping (MoRF/LeRF), deletion and insertion curves of attribution maps, the random-map
 * baseline and the cascading-randomisation sanity check → OUT/eval.json, eval.md, curves.METHOD.png.
 */
import { Option, type Command } from 'commander';
import { evaluateAttributions } from '../../attribution/eval/pipeline.js';
import { checkCurves, checkMethods } from '../../attribution/eval/settings.js';
import { BASELINE_KINDS, type BaselineKind, type EvalAttributionsOptions } from '../../attribution/eval/types.js';
import { formatSummary } from '../../attribution/eval/report.js';
import { methodNames } from '../../attribution/registry.js';
import type { ScoreQuantity } from '../../attribution/types.js';
import { NeurolensError } from '../../errors.js';
import { attributionEvalMessages as msg } from '../../messages/attribution-eval.js';
import { commaList, positiveInteger } from '../options.js';
import { createProgressRenderer } from '../progress.js';
import { runAction } from '../run-action.js';
import { addMethodOptions, methodOptionsFromFlags, methodsHelp } from './attribute.js';

interface EvalFlags {
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

function nonNegative(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new NeurolensError('usage', msg.badInteger(option, value, 0));
    return n;
  };
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

/** The options of `attribute eval` itself; the methods' options are added from the registry. */
function ownOptions(): Option[] {
  return [
    new Option('--model <file>', 'the .onnx model (required)'),
    new Option('--images <source>', 'image folder, list file or one image (required)'),
    new Option('--method <names>', `attribution method(s), comma-separated: ${methodNames().join(', ')} (required)`),
    new Option('--target <t>', 'pred (default), a class index or name, neuron:LAYER:C or circuit:FILE[#K]'),
    new Option('--maps <dir>', 'evaluate the maps of this `neurolens attribute` output folder instead of computing them'),
    new Option('--steps <n>', 'curve points after k = 0 (default 20)').argParser(positiveInteger('--steps')),
    new Option('--unit <n>', 'side of the square units the map is averaged over, in input pixels (default 4)').argParser(positiveInteger('--unit')),
    new Option('--baseline <kind>', 'pixel-flipping (MoRF/LeRF) baseline: mean (default), blur or zero').argParser(choice('--baseline')),
    new Option('--deletion-baseline <kind>', 'deletion baseline: zero (default), mean or blur').argParser(choice('--deletion-baseline')),
    new Option('--insertion-baseline <kind>', 'insertion start image: blur (default), mean or zero').argParser(choice('--insertion-baseline')),
    new Option('--curves <list>', 'curves to run: morf,lerf,deletion,insertion (default all)').argParser(commaList),
    new Option('--quantity <q>', 'score of class targets on the curves: probability (default) or logit').argParser(quantity('--quantity')),
    new Option('--map-quantity <q>', 'score of class targets the maps are computed on: logit (default) or probability').argParser(quantity('--map-quantity')),
    new Option('--random-maps <n>', 'seeded uniform random maps per image for the baseline (default 1; 0 = none)').argParser(nonNegative('--random-maps')),
    new Option('--sanity', 'also run the cascading model-randomisation sanity check'),
    new Option('--sanity-steps <n>', 'most cascade steps, layers spread evenly when there are more (default 8)').argParser(positiveInteger('--sanity-steps')),
    new Option('--seed <n>', 'seed of the random maps and randomised weights (default 0)').argParser(nonNegative('--seed')),
    new Option('--limit <n>', 'evaluate only the first N images').argParser(positiveInteger('--limit')),
    new Option('--out <dir>', 'output folder (required)'),
    new Option('--threads <n>', 'onnxruntime intra-op threads (default: CPU cores)').argParser(positiveInteger('--threads')),
    new Option('--max-batch <n>', 'most images per model run (default 64)').argParser(positiveInteger('--max-batch')),
    new Option('--device <d>', 'cpu (default) or cuda'),
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
        const options = evalOptionsFromFlags(withParent(own, self));
        const progress = createProgressRenderer();
        try {
          const { result, files } = await evaluateAttributions(options, {
            onProgress: (p) => progress.update({ phase: p.phase, done: p.done, total: p.total, ...(p.rate === undefined ? {} : { rate: p.rate }) }),
            onWarning: (line) => process.stderr.write(`neurolens attribute eval: ${line}\n`),
          });
          progress.stop();
          process.stdout.write(formatSummary(result) + files.map((f) => `${f}\n`).join(''));
        } finally {
          progress.stop();
        }
      }),
    );
}
