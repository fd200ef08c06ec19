/**
 * `neurolens neurons`: single-neuron analysis of a recorded run → RUN/neurons/ (rates, rare neurons
 * per image, exemplar sprites, dissection and enrichment labels). A thin wrapper over runNeurons.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { cliMessages, neuronMessages } from '../../messages/index.js';
import { EFFECTS_DEFAULTS, NEURONS_DEFAULTS } from '../../neurons/defaults.js';
import type { NeuronsOptions } from '../../neurons/types.js';
import { batchOption, deviceOption, finiteNumber, layersOption, nonNegativeInteger, poolingOption, positiveInteger, runOption, seedOption, shownDefault, threadsOption } from '../options.js';
import { createProgressRenderer, printWarning } from '../progress.js';
import { runAction } from '../run-action.js';

const D = NEURONS_DEFAULTS;
const E = EFFECTS_DEFAULTS;

type NeuronsFlags = NeuronsOptions & { device: 'cpu' | 'cuda' };

const say = (line: string) => process.stderr.write(`neurolens neurons: ${line}\n`);

async function neurons(flags: NeuronsFlags): Promise<void> {
  const { runNeurons } = await import('../../neurons/pipeline.js');
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
        ...(flags.labels !== undefined ? { labels: flags.labels } : {}),
        ...(flags.maxQ !== undefined ? { maxQ: flags.maxQ } : {}),
        ...(flags.batch !== undefined ? { batch: flags.batch } : {}),
        ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
        executionProvider: flags.device,
        ...(flags.effects ? { effects: true } : {}),
        ...(flags.effectImages !== undefined ? { effectImages: flags.effectImages } : {}),
        ...(flags.heatmaps !== undefined ? { heatmaps: flags.heatmaps } : {}),
        ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
      },
      {
        onProgress: (p) => progress.update(p),
        onStep: (m) => {
          progress.stop();
          say(m);
        },
        onWarning: (w) => printWarning(w, progress),
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
    .description('single neurons of a recorded run: activation rates, rarely-active neurons, top exemplars with region crops, dissection and concept labels by enrichment')
    .addOption(runOption())
    .addOption(layersOption())
    .addOption(poolingOption(cliMessages.neuronsPooling))
    .addOption(shownDefault(new Option('--active-above <x>', 'a neuron is active on an image when its pooled activation is above this').argParser(finiteNumber('--active-above')), cliMessages.neuronsActive))
    .addOption(shownDefault(new Option('--rare-below <r>', 'rarely active = activation rate below this').argParser(finiteNumber('--rare-below')), D.rareBelow))
    .addOption(shownDefault(new Option('--top <k>', 'exemplars per neuron (0 skips exemplars)').argParser(nonNegativeInteger('--top')), D.top))
    .addOption(shownDefault(new Option('--thumb-size <n>', 'side of each exemplar crop in pixels').argParser(positiveInteger('--thumb-size')), D.thumbSize))
    .option('--masks <file>', 'NetDissect masks: JSONL {"image": "path", "masks": {"concept": "mask.png"}}, paths relative to the file')
    .addOption(shownDefault(new Option('--iou-min <x>', 'smallest IoU that earns a dissection label').argParser(finiteNumber('--iou-min')), D.iouMin))
    .addOption(shownDefault(new Option('--concepts-level <l>', 'label candidates from this concepts level only').argParser(positiveInteger('--concepts-level')), cliMessages.neuronsConceptsLevel))
    .option('--labels <file>', 'more label candidates: CSV path,concept or JSONL {"path","concepts":[…]}, paths relative to the image root')
    .addOption(shownDefault(new Option('--max-q <q>', 'label a neuron when its best concept\'s Benjamini–Hochberg q is below this (else unlabelled)').argParser(finiteNumber('--max-q')), D.maxQ))
    .addOption(batchOption(D.batch))
    .option('--effects', 'also measure each neuron\'s ablation effects on the classes and gradient heatmaps over its top exemplars (runs the model: effect-images × (neurons + 1) forwards)')
    .addOption(shownDefault(new Option('--effect-images <n>', 'with --effects: images of the seeded ablation sample (0 skips ablation)').argParser(nonNegativeInteger('--effect-images')), E.effectImages))
    .addOption(shownDefault(new Option('--heatmaps <k>', 'with --effects: heatmaps per neuron, over its top exemplars (0 skips them)').argParser(nonNegativeInteger('--heatmaps')), E.heatmaps))
    .addOption(seedOption(E.seed, 'the --effects ablation sample and heatmap checks'))
    .addOption(threadsOption())
    .addOption(deviceOption('execution provider of exemplar crops, dissection and --effects'))
    .action((flags: NeuronsFlags) => runAction(() => neurons(flags)));
}
