/** `neurolens probe`: linear / MLP probes of labelled concepts on a recorded run's layers. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { NeurolensError } from '../../errors.js';
import { probeMessages } from '../../messages/index.js';
import { runProbes } from '../../probes/pipeline.js';
import { commaList, positiveInteger } from '../options.js';
import { runAction } from '../run-action.js';

function fraction(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(n > 0 && n <= 0.5)) throw new NeurolensError('usage', probeMessages.badFraction(option, value));
    return n;
  };
}

function nonNegative(option: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !(n >= 0) || !Number.isFinite(n)) throw new NeurolensError('usage', probeMessages.badNumber(option, value));
    return n;
  };
}

interface ProbeFlags {
  run: string;
  labels?: string;
  concepts?: string;
  layers?: string[];
  pooling: 'mean' | 'max' | 'top10';
  seed: number;
  hidden: number;
  l1: number;
  tolerance: number;
  testFraction: number;
}

export function registerProbe(program: Command): void {
  program
    .command('probe')
    .description('probe how well each layer’s neurons predict labelled concepts (single neurons, sparse and dense linear probes, MLP) against baselines')
    .requiredOption('--run <dir>', 'a finished run folder (from `neurolens record`)')
    .option('--labels <file>', 'CSV path,concept (repeated rows or ;-separated) or JSONL {"path","concepts":[…]}; paths relative to the image root')
    .option('--concepts <spec>', "concepts from a `neurolens concepts` run: 'clusters:LEVEL' or 'keywords:N'")
    .option('--layers <ids>', 'comma-separated layer ids (default: every recorded layer)', commaList)
    .addOption(new Option('--pooling <name>', 'recorded pooling to use').choices(['mean', 'max', 'top10']).default('mean'))
    .option('--seed <n>', 'seed of the splits, shuffled control and MLP (default 0)', nonNegative('--seed'), 0)
    .option('--hidden <n>', 'hidden units of the MLP probe (default 64)', positiveInteger('--hidden'), 64)
    .option('--l1 <x>', 'L1 penalty of the multi-neuron probe (default 0)', nonNegative('--l1'), 0)
    .option('--tolerance <x>', 'convergence threshold of the linear probes (default 1e-6; larger is faster)', fraction('--tolerance'), 1e-6)
    .option('--test-fraction <f>', 'share of images held out for the test split (default 0.2)', fraction('--test-fraction'), 0.2)
    .action((flags: ProbeFlags) =>
      runAction(async () => {
        const result = await runProbes(
          { run: flags.run, labels: flags.labels, concepts: flags.concepts, layers: flags.layers, pooling: flags.pooling, seed: Math.floor(flags.seed), hidden: flags.hidden, l1: flags.l1, tolerance: flags.tolerance, testFraction: flags.testFraction },
          { onStep: (m) => process.stderr.write(`neurolens probe: ${m}\n`), onWarning: (w) => process.stderr.write(`neurolens: warning: ${w}\n`) },
        );
        process.stdout.write(
          `probes: ${result.labels.names.length} concept(s) × ${result.layers.length} layer(s)\n` +
            result.files.map((f) => `  ${f}\n`).join('') +
            `report: ${result.report}\n`,
        );
      }),
    );
}
