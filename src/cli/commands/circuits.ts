/**
 * `neurolens circuits`: granular concept circuits of one or more query images of a recorded run →
 * RUN/circuits/QUERY.json + QUERY.html (QUERY = img<index>, or the image file's sanitised stem).
 * Several queries (comma-separated) also get the circuit they share: RUN/circuits/common.json and a
 * section at the end of every query's page.
 */
import type { Command } from 'commander';
import { parseQuery, writeCircuits } from '../../circuits/write.js';
import { NeurolensError } from '../../errors.js';
import { circuitMessages } from '../../messages/circuits.js';
import { registerCircuitSubcommands } from './circuits-eval.js';
import { commaList, positiveInteger } from '../options.js';
import { runAction } from '../run-action.js';

interface CircuitsFlags {
  run?: string;
  query?: string[];
  percentile: number;
  layers?: string[];
  batch: number;
  threads?: number;
}

function percentile(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n < 100)) throw new NeurolensError('usage', circuitMessages.badPercentile(value));
  return n;
}

const say = (line: string) => process.stderr.write(`neurolens circuits: ${line}\n`);

async function circuits(flags: CircuitsFlags): Promise<void> {
  if (!flags.run) throw new NeurolensError('usage', circuitMessages.noRun());
  const queries = (flags.query ?? []).map(parseQuery);
  const { files } = await writeCircuits(
    flags.run,
    queries,
    {
      percentile: flags.percentile,
      batch: flags.batch,
      ...(flags.threads === undefined ? {} : { threads: flags.threads }),
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
    .option('--run <dir>', 'a finished run folder recorded with top10 pooling (from `neurolens record`)')
    .option('--query <images>', 'image file(s) or run image index(es), comma-separated', commaList)
    .option('--percentile <p>', 'percentile of the peaks-over-threshold sensitivity cut', percentile, 90)
    .option('--layers <ids>', 'comma-separated run layer ids (default: every recorded layer)', commaList)
    .option('--batch <n>', 'rows per run of a block, images per batch for reference crops', positiveInteger('--batch'), 32)
    .option('--threads <n>', 'onnxruntime intra-op threads (default: CPU cores)', positiveInteger('--threads'))
    .action((flags: CircuitsFlags) => runAction(() => circuits(flags)));
  registerCircuitSubcommands(command);
}
