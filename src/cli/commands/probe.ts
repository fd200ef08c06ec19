/** `neurolens probe`: linear / MLP probes of labelled concepts on a recorded run's layers. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { CLI } from '../../messages/index.js';
import { PROBE_DEFAULTS } from '../../probes/defaults.js';
import type { ProbeOptions } from '../../probes/pipeline.js';
import { fraction, layersOption, nonNegativeNumber, poolingOption, positiveInteger, runOption, seedOption, shownDefault } from '../options.js';
import { printWarning } from '../progress.js';
import { runAction } from '../run-action.js';

const D = PROBE_DEFAULTS;

export function registerProbe(program: Command): void {
  program
    .command('probe')
    .description('probe how well each layer’s neurons predict labelled concepts (single neurons, sparse and dense linear probes, MLP) against baselines')
    .addOption(runOption())
    .option('--labels <file>', 'CSV path,concept (repeated rows or ;-separated) or JSONL {"path","concepts":[…]}; paths relative to the image root')
    .option('--concepts <spec>', `concepts from a \`${CLI} concepts\` run: 'clusters:LEVEL' or 'keywords:N'`)
    .addOption(layersOption())
    .addOption(poolingOption(D.pooling))
    .addOption(seedOption(D.seed, 'the splits, shuffled control and MLP'))
    .addOption(shownDefault(new Option('--hidden <n>', 'hidden units of the MLP probe').argParser(positiveInteger('--hidden')), D.hidden))
    .addOption(shownDefault(new Option('--l1 <x>', 'L1 penalty of the multi-neuron probe').argParser(nonNegativeNumber('--l1')), D.l1))
    .addOption(shownDefault(new Option('--tolerance <x>', 'convergence threshold of the linear probes (larger is faster)').argParser(fraction('--tolerance', 0.5)), D.tolerance))
    .addOption(shownDefault(new Option('--test-fraction <f>', 'share of images held out for the test split').argParser(fraction('--test-fraction', 0.5)), D.testFraction))
    .addOption(shownDefault(new Option('--min-test-positives <n>', 'concepts with fewer positives in their test split are reported but never ranked or named best').argParser(positiveInteger('--min-test-positives')), D.minTestPositives))
    .addOption(shownDefault(new Option('--bootstrap-resamples <n>', 'bootstrap resamples of the test split behind each 95 % interval of test AUC and accuracy').argParser(positiveInteger('--bootstrap-resamples')), D.bootstrapResamples))
    .action((flags: ProbeOptions) =>
      runAction(async () => {
        const [{ runProbes }, { headlineText }] = await Promise.all([import('../../probes/pipeline.js'), import('../../probes/headline.js')]);
        const result = await runProbes(flags, {
          onStep: (m) => process.stderr.write(`neurolens probe: ${m}\n`),
          onWarning: (w) => printWarning(w),
        });
        process.stdout.write(
          `probes: ${result.labels.names.length} concept(s) × ${result.layers.length} layer(s)\n` +
            result.layers.map((l, i) => `  ${result.files[i]}\n    ${headlineText(l.headline)}\n`).join('') +
            `report: ${result.report}\n`,
        );
      }),
    );
}
