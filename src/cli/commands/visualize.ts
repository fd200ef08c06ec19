/**
 * `neurolens visualize`: feature visualisation by optimisation into a recorded run → RUN/visualize/.
 * A thin wrapper over the library's visualize().
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { NeurolensError } from '../../errors.js';
import { cliMessages, shardMessages, visualizeMessages } from '../../messages/index.js';
import { parseShard, type ShardSpec } from '../../shards/spec.js';
import { VISUALIZE_DEFAULTS } from '../../visualize/defaults.js';
import type { VisualizeHooks, VisualizeOptions } from '../../visualize/types.js';
import { batchOption, deviceOption, finiteNumber, layersOption, nonNegativeNumber, positiveInteger, runOption, seedOption, shownDefault, threadsOption, withDevice } from '../options.js';
import { createProgressRenderer } from '../progress.js';
import { runAction } from '../run-action.js';

const D = VISUALIZE_DEFAULTS;

/** The library's options, with the CLI's `--device` for its `executionProvider`. */
export type VisualizeFlags = Omit<VisualizeOptions, 'executionProvider'> & { device?: 'cpu' | 'cuda' };

const say = (line: string) => process.stderr.write(`neurolens visualize: ${line}\n`);

/** '0,5,10-20' → [0, 5, 10, …, 20] (duplicates dropped, order kept). */
export function neuronList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) throw new NeurolensError('usage', visualizeMessages.badNeurons(text));
    const low = Number(match[1]);
    const high = Number(match[2] ?? match[1]);
    if (high < low || high - low > 1_000_000) throw new NeurolensError('usage', visualizeMessages.badNeurons(text));
    for (let n = low; n <= high; n++) if (!out.includes(n)) out.push(n);
  }
  if (out.length === 0) throw new NeurolensError('usage', visualizeMessages.noNeurons());
  return out;
}

async function run({ shard, ...options }: VisualizeFlags & { shard?: ShardSpec }): Promise<void> {
  const flags = withDevice(options);
  const [{ visualize }, { visualizeShard }] = await Promise.all([import('../../visualize/pipeline.js'), import('../../visualize/shards.js')]);
  const progress = createProgressRenderer();
  try {
    const hooks: VisualizeHooks = {
      onProgress: (p) => progress.update({ phase: `visualize ${p.layer}`, done: p.done, total: p.total }),
      onStep: (m) => {
        progress.stop();
        say(m);
      },
    };
    if (shard) {
      const done = await visualizeShard(flags, shard, hooks);
      progress.stop();
      process.stdout.write(`${done.status === 'unchanged' ? shardMessages.shardUnchanged(done.index, done.count, flags.run) : shardMessages.visualizeShardDone(done.index, done.count, done.neurons, flags.run)}\n`);
      return;
    }
    const result = await visualize(flags, hooks);
    progress.stop();
    const lines = result.layers.map((l) => `${l.layer}: ${l.passed} of ${l.neurons.length} pass (${(100 * l.share).toFixed(1)} %)${l.failed.length > 0 ? `; below their best image: ${l.failed.join(', ')}` : ''}`);
    for (const l of result.layers) {
      const groups = l.neurons.flatMap((n) => (n.diversity ? [n.diversity] : []));
      if (groups.length === 0) continue;
      const further = groups.flatMap((g) => g.images);
      const cosine = groups.reduce((a, g) => a + g.gramCosine, 0) / groups.length;
      lines.push(visualizeMessages.diversitySummary(l.layer, l.settings.diversity!, cosine, further.filter((i) => i.pass).length, further.length));
    }
    process.stdout.write([...lines, ...result.files.map((f) => `  ${f}`), visualizeMessages.written(result.files.length)].map((l) => `${l}\n`).join(''));
  } finally {
    progress.stop();
  }
}

export function registerVisualize(program: Command): void {
  program
    .command('visualize')
    .description('feature visualisation: optimise an image that maximises each neuron\'s mean activation (Fourier-space colour-decorrelated image, random jitter/scale/rotation), write it into the run and check it beats the neuron\'s best dataset image')
    .addOption(new Option('--model <file>', 'the .onnx model the run was recorded with').makeOptionMandatory())
    .addOption(runOption())
    .addOption(layersOption())
    .addOption(shownDefault(new Option('--neurons <list>', 'neuron indices of each layer, e.g. 0,5,10-20').argParser(neuronList), cliMessages.visualizeEveryNeuron))
    .addOption(shownDefault(new Option('--steps <n>', 'optimisation steps per neuron').argParser(positiveInteger('--steps')), D.steps))
    .addOption(shownDefault(new Option('--rate <x>', 'Adam learning rate').argParser(finiteNumber('--rate')), D.rate))
    .addOption(shownDefault(new Option('--jitter <px>', 'largest random shift per step, in pixels').argParser(nonNegativeNumber('--jitter')), cliMessages.visualizeJitter))
    .addOption(shownDefault(new Option('--rotate <deg>', 'largest random rotation per step, in degrees').argParser(nonNegativeNumber('--rotate')), D.rotate))
    .addOption(shownDefault(new Option('--scale <s>', 'random scale per step in [1-s, 1+s]').argParser(nonNegativeNumber('--scale')), D.scale))
    .addOption(shownDefault(new Option('--diversity <k>', 'images per neuron, optimised together with a diversity term (mean pairwise Gram cosine at the layer); 1 = one image, no term').argParser(positiveInteger('--diversity')), D.diversity))
    .addOption(shownDefault(new Option('--diversity-weight <x>', 'weight of the diversity term when --diversity > 1').argParser(nonNegativeNumber('--diversity-weight')), D.diversityWeight))
    .addOption(seedOption(D.seed, 'the initial images and the random transformations'))
    .addOption(batchOption(D.batch, 'batch rows optimised together (one per neuron, or per image with --diversity)'))
    .addOption(threadsOption())
    .addOption(deviceOption('execution provider of the gradient sessions'))
    .option('--shard <i/n>', 'visualise only shard I of N of the neurons (layer by layer, in order) into RUN/shards/; `merge RUN` assembles them', parseShard)
    .action((flags: VisualizeFlags & { shard?: ShardSpec }) => runAction(() => run(flags)));
}
