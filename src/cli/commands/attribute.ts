/**
 * `neurolens attribute`: attribution maps of an image collection (src/attribution/pipeline.ts) →
 * OUT/NAME.METHOD.npy + .png and OUT/attribution.json. A thin wrapper; registerAttribute returns
 * the command so subcommands (e.g. `attribute eval`) can be added to it.
 */
import { Command, Option } from 'commander';
import { ATTRIBUTION_METHODS, type AttributionMethod } from '../../attribution/types.js';
import { FILL_KINDS, type FillKind } from '../../attribution/fill.js';
import { runAttribution } from '../../attribution/pipeline.js';
import { NeurolensError } from '../../errors.js';
import { attributionMessages } from '../../messages/attribution.js';
import { cliMessages } from '../../messages/index.js';
import { imageSize, positiveInteger } from '../options.js';
import { createProgressRenderer } from '../progress.js';
import { runAction } from '../run-action.js';

interface AttributeFlags {
  model?: string;
  images?: string;
  out?: string;
  method?: string;
  target: string;
  quantity: 'logit' | 'probability';
  layer?: string;
  window?: number;
  stride?: number;
  fill?: FillKind;
  masks?: number;
  cells?: number;
  keep?: number;
  seed?: number;
  maxBatch?: number;
  limit?: number;
  threads?: number;
  size?: [number, number];
  device: 'cpu' | 'cuda';
}

function keep(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n <= 1)) throw new NeurolensError('usage', attributionMessages.badOption('--keep', value, 'a number in (0, 1]'));
  return n;
}

function seed(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new NeurolensError('usage', attributionMessages.badOption('--seed', value, 'a non-negative integer'));
  return n;
}

async function attribute(flags: AttributeFlags): Promise<void> {
  // A comma list computes several methods into the same folder, one after the other.
  const methods = [...new Set((flags.method ?? '').split(',').map((m) => m.trim()).filter((m) => m !== ''))];
  for (const m of methods) {
    if (!(ATTRIBUTION_METHODS as readonly string[]).includes(m)) throw new NeurolensError('usage', attributionMessages.badMethod(m, ATTRIBUTION_METHODS));
  }
  if (methods.length === 0) throw new NeurolensError('usage', attributionMessages.noMethod(ATTRIBUTION_METHODS));
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
    for (const method of methods as AttributionMethod[]) {
      const result = await runAttribution(
        {
          model: flags.model,
          images: flags.images,
          out: flags.out,
          method,
          target: flags.target,
          quantity: flags.quantity,
          ...defined({
            layer: flags.layer,
            window: flags.window,
            stride: flags.stride,
            fill: flags.fill,
            masks: flags.masks,
            cells: flags.cells,
            keep: flags.keep,
            seed: flags.seed,
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
  return program
    .command('attribute')
    .description('attribution maps (occlusion, RISE, CAM, Ablation-CAM, Score-CAM) of images for a class, a neuron or a circuit')
    // `attribute eval …`: options after a subcommand belong to it, not to `attribute`.
    .enablePositionalOptions()
    .option('--model <file>', 'ONNX model (a .json model card next to it sets preprocessing and class names)')
    .option('--images <dir|list|file>', 'image folder (recursive), list file or one image')
    .option('--out <dir>', 'folder for NAME.METHOD.npy/.png and attribution.json (re-runs reuse finished maps)')
    // No .choices(): `attribute eval --method a,b` passes a comma list through this option too.
    .option('--method <names>', `attribution method(s), comma-separated: ${ATTRIBUTION_METHODS.join(', ')}`)
    .option('--target <t>', 'pred, a class index or name, neuron:LAYER:C, or circuit:FILE[#K]', 'pred')
    .addOption(new Option('--quantity <q>', 'score of class targets').choices(['logit', 'probability']).default('logit'))
    .option('--layer <id>', 'cam/ablation-cam/score-cam: layer id from `neurolens inspect` (default: the layer feeding the head)')
    .option('--window <n>', 'occlusion: window side in input pixels (default ⌈H/8⌉)', positiveInteger('--window'))
    .option('--stride <n>', 'occlusion: step between windows (default window/2)', positiveInteger('--stride'))
    .addOption(new Option('--fill <kind>', 'occlusion/rise/score-cam: what replaces hidden pixels (default zero = the normalisation mean)').choices([...FILL_KINDS]))
    .option('--masks <n>', 'rise: number of random masks (default 2000)', positiveInteger('--masks'))
    .option('--cells <n>', 'rise: cells per side of the random grid (default 8)', positiveInteger('--cells'))
    .option('--keep <p>', 'rise: probability a cell is kept (default 0.5)', keep)
    .option('--seed <n>', 'rise: seed of the masks (default 0)', seed)
    .option('--max-batch <n>', 'most inputs per model run (default 64)', positiveInteger('--max-batch'))
    .option('--limit <n>', 'only the first n images', positiveInteger('--limit'))
    .option('--threads <n>', 'onnxruntime threads (default: CPU cores)', positiveInteger('--threads'))
    .option('--size <HxW>', 'model input size when the model and its card leave it open', imageSize)
    .addOption(new Option('--device <name>', 'execution provider').choices(['cpu', 'cuda']).default('cpu'))
    .action((flags: AttributeFlags) => runAction(() => attribute(flags)));
}
