/**
 * `neurolens circuits`: granular concept circuits of one or more query images of a recorded run →
 * RUN/circuits/QUERY.json + QUERY.html (QUERY = img<index>, or the image file's sanitised stem).
 * Several queries (comma-separated) also get the circuit they share: RUN/circuits/common.json and a
 * section at the end of every query's page.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { CIRCUITS_DEFAULTS } from '../../circuits/defaults.js';
import type { SupportGate } from '../../circuits/support.js';
import { registerCircuitSubcommands } from './circuits-eval.js';
import { batchOption, commaList, deviceOption, layersOption, percentileOption, requiredWhenCommandRuns, runOption, supportOption, threadsOption } from '../options.js';
import { runAction } from '../run-action.js';

interface CircuitsFlags {
  run: string;
  query: string[];
  percentile?: number;
  support?: SupportGate;
  layers?: string[];
  batch?: number;
  threads?: number;
  device: 'cpu' | 'cuda';
}

/** "recorded with top10 pooling": what circuits and their evaluation need of a run. */
export const TOP10_RUN = 'recorded with top10 pooling';

const say = (line: string) => process.stderr.write(`neurolens circuits: ${line}\n`);

async function circuits(flags: CircuitsFlags): Promise<void> {
  const { parseQuery, writeCircuits } = await import('../../circuits/write.js');
  const { files } = await writeCircuits(
    flags.run,
    flags.query.map(parseQuery),
    {
      ...(flags.percentile === undefined ? {} : { percentile: flags.percentile }),
      ...(flags.support === undefined ? {} : { support: flags.support }),
      ...(flags.batch === undefined ? {} : { batch: flags.batch }),
      ...(flags.threads === undefined ? {} : { threads: flags.threads }),
      executionProvider: flags.device,
      ...(flags.layers === undefined ? {} : { layers: flags.layers }),
    },
    { onStep: say },
  );
  process.stdout.write(files.map((f) => `${f}\n`).join(''));
}

export function registerCircuits(program: Command): void {
  const command = program
    .command('circuits')
    .description('find the circuits of neurons a query image activates, with JSON and an HTML report per query')
    // `circuits eval --run …`: options after a subcommand belong to it, not to `circuits`.
    .enablePositionalOptions()
    .addOption(requiredWhenCommandRuns(runOption(TOP10_RUN)))
    .addOption(requiredWhenCommandRuns(new Option('--query <images>', 'image file(s) or run image index(es), comma-separated').argParser(commaList)))
    .addOption(percentileOption(CIRCUITS_DEFAULTS.percentile))
    .addOption(supportOption(CIRCUITS_DEFAULTS.support))
    .addOption(layersOption())
    .addOption(batchOption(CIRCUITS_DEFAULTS.batch, 'rows per run of a block, images per batch for reference crops'))
    .addOption(threadsOption())
    .addOption(deviceOption())
    .action((flags: CircuitsFlags) => runAction(() => circuits(flags)));
  registerCircuitSubcommands(command);
}
