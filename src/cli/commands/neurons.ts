/**
 * `neurolens neurons`: single-neuron analysis of a recorded run → RUN/neurons/ (rates, rare neurons
 * per image, exemplar sprites, dissection and caption labels). A thin wrapper over runNeurons.
 */
import type { Command } from 'commander';
import { NeurolensError } from '../../errors.js';
import { neuronMessages } from '../../messages/neurons.js';
import { runNeurons } from '../../neurons/pipeline.js';
import type { NeuronsOptions } from '../../neurons/types.js';
import type { Pooling } from '../../record/types.js';
import { commaList } from '../options.js';
import { createProgressRenderer } from '../progress.js';
import { runAction } from '../run-action.js';

/** Commander's parsed flags: the library's options, `--run` possibly missing. */
type NeuronsFlags = Partial<NeuronsOptions>;

function number(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new NeurolensError('usage', neuronMessages.badNumber(option, value));
    return n;
  };
}

function integer(option: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new NeurolensError('usage', neuronMessages.badInteger(option, value, min));
    return n;
  };
}

function pooling(value: string): Pooling {
  if (value !== 'max' && value !== 'top10' && value !== 'mean') throw new NeurolensError('usage', neuronMessages.badPooling(value));
  return value;
}

const say = (line: string) => process.stderr.write(`neurolens neurons: ${line}\n`);

async function neurons(flags: NeuronsFlags): Promise<void> {
  if (!flags.run) throw new NeurolensError('usage', neuronMessages.noRun());
  const progress = createProgressRenderer();
  try {
    const result = await runNeurons(
      {
        run: flags.run,
        ...(flags.layers ? { layers: flags.layers } : {}),
        ...(flags.pooling ? { pooling: flags.pooling } : {}),
        ...(flags.activeAbove !== undefined ? { activeAbove: flags.activeAbove } : {}),
        ...(flags.rareBelow !== undefined ? { rareBelow: flags.rareBelow } : {}),
        ...(flags.top !== undefined ? { top: flags.top } : {}),
        ...(flags.thumbSize !== undefined ? { thumbSize: flags.thumbSize } : {}),
        ...(flags.masks !== undefined ? { masks: flags.masks } : {}),
        ...(flags.iouMin !== undefined ? { iouMin: flags.iouMin } : {}),
        ...(flags.conceptsLevel !== undefined ? { conceptsLevel: flags.conceptsLevel } : {}),
        ...(flags.batch !== undefined ? { batch: flags.batch } : {}),
        ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
      },
      {
        onProgress: (p) => progress.update(p),
        onStep: (m) => {
          progress.stop();
          say(m);
        },
        onWarning: (w) => {
          progress.stop();
          process.stderr.write(`neurolens: warning: ${w}\n`);
        },
      },
    );
    progress.stop();
    const lines = result.summary.layers.map((l) => `${l.id}: ${l.rare} rare (rate < ${l.rareBelow}), ${l.dead} dead of ${l.channels}, mean rate ${l.meanRate.toFixed(3)}`);
    process.stdout.write([...lines, ...result.files.map((f) => `  ${f}`), neuronMessages.written(result.files.length)].map((l) => `${l}\n`).join(''));
  } finally {
    progress.stop();
  }
}

export function registerNeurons(program: Command): void {
  program
    .command('neurons')
    .description('single neurons of a recorded run: activation rates, rarely-active neurons, top exemplars with region crops, dissection and caption labels')
    .option('--run <dir>', 'a finished run folder (from `neurolens record`)')
    .option('--layers <ids>', 'comma-separated layer ids (default: every recorded layer)', commaList)
    .option('--pooling <name>', 'recorded pooling to use: max, top10 or mean (default: max if recorded, else top10, else mean)', pooling)
    .option('--active-above <x>', 'a neuron is active on an image when its pooled activation is above this (default: when it is among the top 10 % of its layer on that image)', number('--active-above'))
    .option('--rare-below <r>', 'rarely active = activation rate below this (default 0.01)', number('--rare-below'))
    .option('--top <k>', 'exemplars per neuron (default 8; 0 skips exemplars)', integer('--top', 0))
    .option('--thumb-size <n>', 'side of each exemplar crop in pixels (default 64)', integer('--thumb-size', 1))
    .option('--masks <file>', 'NetDissect masks: JSONL {"image": "path", "masks": {"concept": "mask.png"}}, paths relative to the file')
    .option('--iou-min <x>', 'smallest IoU that earns a dissection label (default 0.04)', number('--iou-min'))
    .option('--concepts-level <l>', 'caption labels at this concepts level only (default: finest level with a dominant cluster)', integer('--concepts-level', 1))
    .option('--batch <n>', 'images per inference batch (default 16)', integer('--batch', 1))
    .option('--threads <n>', 'onnxruntime intra-op threads (default: CPU cores)', integer('--threads', 1))
    .action((flags: NeuronsFlags) => runAction(() => neurons(flags)));
}
