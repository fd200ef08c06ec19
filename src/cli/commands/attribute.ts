/**
 * `neurolens attribute`: attribution maps of an image collection (src/attribution/pipeline.ts) →
 * OUT/NAME.METHOD.npy + .png and OUT/attribution.json. A thin wrapper; registerAttribute returns
 * the command so subcommands (e.g. `attribute eval`) can be added to it.
 *
 * The methods and their flags come from the method registry (src/attribution/registry.ts):
 * addMethodOptions and methodOptionsFromFlags below serve `attribute eval` too.
 */
import { Command, Option } from 'commander';
import { parseOptionText, type MethodOption } from '../../attribution/method.js';
import { listMethods, methodNames, methodOptions, methodsUsing } from '../../attribution/registry.js';
import type { MethodOptions } from '../../attribution/types.js';
import { runAttribution } from '../../attribution/pipeline.js';
import { NeurolensError } from '../../errors.js';
import { attributionMessages } from '../../messages/attribution.js';
import { cliMessages } from '../../messages/index.js';
import { imageSize, positiveInteger } from '../options.js';
import { createProgressRenderer } from '../progress.js';
import { runAction } from '../run-action.js';

/** The flags of `attribute`'s own options; the method options are read by methodOptionsFromFlags. */
interface AttributeFlags {
  model?: string;
  images?: string;
  out?: string;
  method?: string;
  target: string;
  quantity: 'logit' | 'probability';
  maxBatch?: number;
  limit?: number;
  threads?: number;
  size?: [number, number];
  device: 'cpu' | 'cuda';
  [methodOption: string]: unknown;
}

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
    const help = `${methodsUsing(option).join('/')}: ${option.doc} (default ${option.defaultDoc})`;
    command.addOption(new Option(`${option.flag} ${option.placeholder}`, help).argParser((text: string) => parseOptionText(option, text)));
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

async function attribute(flags: AttributeFlags): Promise<void> {
  // A comma list computes several methods into the same folder, one after the other.
  const methods = [...new Set((flags.method ?? '').split(',').map((m) => m.trim()).filter((m) => m !== ''))];
  const known = methodNames();
  for (const m of methods) {
    if (!known.includes(m)) throw new NeurolensError('usage', attributionMessages.badMethod(m, known));
  }
  if (methods.length === 0) throw new NeurolensError('usage', attributionMessages.noMethod(known));
  if (!flags.model) throw new NeurolensError('usage', attributionMessages.noModel());
  if (!flags.images) throw new NeurolensError('usage', attributionMessages.noImages());
  if (!flags.out) throw new NeurolensError('usage', attributionMessages.noOut());
  const progress = createProgressRenderer();
  // Finished maps are written atomically and reused by the same command: say so on Ctrl-C.
  const interrupted = () => {
    progress.stop();
    process.stderr.write(`\nneurolens: ${cliMessages.interrupted('SIGINT')}\n`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
    const methodOptions = methodOptionsFromFlags(flags);
    for (const method of methods) {
      const result = await runAttribution(
        {
          model: flags.model,
          images: flags.images,
          out: flags.out,
          method,
          target: flags.target,
          quantity: flags.quantity,
          ...methodOptions,
          ...defined({
            maxBatch: flags.maxBatch,
            limit: flags.limit,
            threads: flags.threads,
          }),
          executionProvider: flags.device,
          ...(flags.size ? { preprocessing: { size: flags.size } } : {}),
        },
        {
          onProgress: (p) => progress.update(p),
          onWarning: (message) => {
            progress.stop();
            process.stderr.write(`neurolens: warning: ${message}\n`);
          },
        },
      );
      progress.stop();
      const rate = result.computed > 0 ? ` (${(result.computed / result.seconds).toFixed(2)} images/s)` : '';
      process.stdout.write(
        `${method}: ${result.computed} map(s) computed, ${result.reused} reused, ${result.skipped} image(s) skipped in ${result.seconds.toFixed(1)} s${rate}\n` +
          `result: ${result.json}\n`,
      );
    }
  } finally {
    process.removeListener('SIGINT', interrupted);
    progress.stop();
  }
}

/** Adds `attribute` to `program`; returns it so subcommands can be added. */
export function registerAttribute(program: Command): Command {
  const command = program
    .command('attribute')
    .description(`attribution maps (${methodNames().join(', ')}) of images for a class, a neuron or a circuit`)
    // `attribute eval …`: options after a subcommand belong to it, not to `attribute`.
    .enablePositionalOptions()
    .option('--model <file>', 'ONNX model (a .json model card next to it sets preprocessing and class names)')
    .option('--images <dir|list|file>', 'image folder (recursive), list file or one image')
    .option('--out <dir>', 'folder for NAME.METHOD.npy/.png and attribution.json (re-runs reuse finished maps)')
    // No .choices(): `attribute eval --method a,b` passes a comma list through this option too.
    .option('--method <names>', `attribution method(s), comma-separated: ${methodNames().join(', ')}`)
    .option('--target <t>', 'pred, a class index or name, neuron:LAYER:C, or circuit:FILE[#K]', 'pred')
    .addOption(new Option('--quantity <q>', 'score of class targets').choices(['logit', 'probability']).default('logit'))
    .option('--max-batch <n>', 'most inputs per model run (default 64)', positiveInteger('--max-batch'))
    .option('--limit <n>', 'only the first n images', positiveInteger('--limit'))
    .option('--threads <n>', 'onnxruntime threads (default: CPU cores)', positiveInteger('--threads'))
    .option('--size <HxW>', 'model input size when the model and its card leave it open', imageSize)
    .addOption(new Option('--device <name>', 'execution provider').choices(['cpu', 'cuda']).default('cpu'))
    .addHelpText('after', methodsHelp());
  return addMethodOptions(command).action((flags: AttributeFlags) => runAction(() => attribute(flags)));
}
