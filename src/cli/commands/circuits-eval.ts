/** `neurolens circuits eval` and `neurolens circuits diagnose`: thin wrappers over eval.ts / diagnose.ts. */
import type { Command } from 'commander';
import { diagnoseQuery, formatDiagnosis } from '../../circuits/diagnose.js';
import { evaluateCircuits, formatEvalTable } from '../../circuits/eval.js';
import { NeurolensError } from '../../errors.js';
import { circuitMessages } from '../../messages/circuits.js';
import { commaList, positiveInteger } from '../options.js';
import { createProgressRenderer } from '../progress.js';
import { runAction } from '../run-action.js';

/** '100' → 100 queries; '0,5,17' → those image indices. */
export function parseQueries(value: string): number | number[] {
  const v = value.trim();
  if (/^\d+$/.test(v) && !v.includes(',')) {
    const n = Number(v);
    if (n > 0) return n;
  } else if (/^\d+(\s*,\s*\d+)+,?$/.test(v)) return commaList(v).map(Number);
  throw new NeurolensError('usage', circuitMessages.badQueries(value));
}

function percentile(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n < 100)) throw new NeurolensError('usage', circuitMessages.badPercentile(value));
  return n;
}

function seed(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new NeurolensError('usage', circuitMessages.badEvalOption('seed', value));
  return n;
}

function factor(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new NeurolensError('usage', circuitMessages.badFactor(value));
  return n;
}

interface EvalFlags {
  run?: string;
  queries?: number | number[];
  labels?: string;
  percentile?: number;
  seed?: number;
  draws?: number;
  steps?: number;
  batch?: number;
  threads?: number;
  layers?: string[];
}

interface DiagnoseFlags {
  run?: string;
  query?: string;
  target?: string;
  stimulate?: number;
  percentile?: number;
  batch?: number;
  threads?: number;
  layers?: string[];
}

/**
 * The subcommand's flags with the `circuits` command's as fallback: when the root program does not
 * use positional options, commander hands options written after `circuits eval` that `circuits`
 * also declares (--run, --query, --percentile, --layers, --batch, --threads) to `circuits`, so they
 * are read from there. Flags the subcommand itself received win.
 */
function withParent<T extends object>(flags: T, command: Command): T {
  const parent = (command.parent?.opts() ?? {}) as Record<string, unknown>;
  const own = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  return { ...parent, ...own } as T;
}

/** Adds `eval` and `diagnose` to the `circuits` command. */
export function registerCircuitSubcommands(circuits: Command): void {
  circuits
    .command('eval')
    .description('verify circuits: zero each query\'s circuit neurons vs as many random / outside neurons; deletion and insertion curves')
    .option('--run <dir>', 'a finished run folder recorded with top10 pooling (required)')
    .option('--queries <n|list>', 'number of seeded random queries (default 100) or comma-separated image indices', parseQueries)
    .option('--labels <file>', 'CSV (path,label) or JSONL of true classes (class name or index) to also score the true class')
    .option('--percentile <p>', 'percentile of the sensitivity cut (default 90)', percentile)
    .option('--seed <n>', 'seed of the query sample and the random draws (default 0)', seed)
    .option('--draws <n>', 'random and outside draws per query (default 10)', positiveInteger('--draws'))
    .option('--steps <n>', 'points of the deletion/insertion curves after k = 0 (default 10)', positiveInteger('--steps'))
    .option('--batch <n>', 'rows per model run (default 32)', positiveInteger('--batch'))
    .option('--threads <n>', 'onnxruntime intra-op threads (default: CPU cores)', positiveInteger('--threads'))
    .option('--layers <ids>', 'comma-separated analysis layer ids (default: every recorded layer)', commaList)
    .action((own: EvalFlags, command: Command) =>
      runAction(async () => {
        const flags = withParent(own, command);
        if (!flags.run) throw new NeurolensError('usage', circuitMessages.noRun());
        const progress = createProgressRenderer();
        try {
          const { result, path } = await evaluateCircuits({ ...flags, run: flags.run }, { onProgress: (p) => progress.update({ phase: 'circuits eval', ...p }) });
          progress.stop();
          process.stdout.write(formatEvalTable(result) + `result: ${path}\n`);
        } finally {
          progress.stop();
        }
      }),
    );

  circuits
    .command('diagnose')
    .description('rank a query\'s circuits by how inhibiting (×0) and stimulating (×2) them moves the predicted and a target class')
    .option('--run <dir>', 'a finished run folder recorded with top10 pooling (required)')
    .option('--query <q>', 'a run image index or an image file (required)')
    .option('--target <class>', 'target class index or name (default: the runner-up class)')
    .option('--stimulate <f>', 'factor for stimulated neurons (default 2)', factor)
    .option('--percentile <p>', 'percentile of the sensitivity cut (default 90)', percentile)
    .option('--batch <n>', 'rows per model run (default 32)', positiveInteger('--batch'))
    .option('--threads <n>', 'onnxruntime intra-op threads (default: CPU cores)', positiveInteger('--threads'))
    .option('--layers <ids>', 'comma-separated analysis layer ids (default: every recorded layer)', commaList)
    .action((own: DiagnoseFlags, command: Command) =>
      runAction(async () => {
        const flags = withParent(own, command) as Omit<DiagnoseFlags, 'query'> & { query?: string | string[] };
        if (!flags.run) throw new NeurolensError('usage', circuitMessages.noRun());
        // `circuits --query` parses a comma-separated list; diagnose takes exactly one query.
        const given = Array.isArray(flags.query) ? flags.query : flags.query === undefined ? [] : [flags.query];
        if (given.length !== 1) throw new NeurolensError('usage', circuitMessages.badQueryRef(given.join(',')));
        const q = given[0]!.trim();
        if (q === '') throw new NeurolensError('usage', circuitMessages.badQueryRef(q));
        const query = /^\d+$/.test(q) ? { index: Number(q) } : { image: q };
        const { run, target, stimulate, percentile: p, batch, threads, layers } = flags;
        const { diagnosis, path } = await diagnoseQuery({ run, query, ...(target !== undefined ? { target } : {}), ...(stimulate !== undefined ? { stimulate } : {}), ...(p !== undefined ? { percentile: p } : {}), ...(batch ? { batch } : {}), ...(threads ? { threads } : {}), ...(layers ? { layers } : {}) });
        process.stdout.write(formatDiagnosis(diagnosis) + `result: ${path}\n`);
      }),
    );
}
