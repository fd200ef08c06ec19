/** `neurolens circuits eval` and `neurolens circuits diagnose`: thin wrappers over eval.ts / diagnose.ts. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { CIRCUITS_DEFAULTS } from '../../circuits/defaults.js';
import type { AblationOption } from '../../circuits/eval.js';
import type { SupportGate } from '../../circuits/support.js';
import { NeurolensError } from '../../errors.js';
import { circuitMessages, shardMessages } from '../../messages/index.js';
import { parseShard, type ShardSpec } from '../../shards/spec.js';
import { batchOption, commaList, deviceOption, finiteNumber, layersOption, percentileOption, positiveInteger, runOption, seedOption, shownDefault, supportOption, threadsOption, withDevice } from '../options.js';
import { createProgressRenderer } from '../progress.js';
import { runAction } from '../run-action.js';
import { TOP10_RUN } from './circuits.js';

/** '100' → 100 queries; '0,5,17' → those image indices. */
export function parseQueries(value: string): number | number[] {
  const v = value.trim();
  if (/^\d+$/.test(v) && !v.includes(',')) {
    const n = Number(v);
    if (n > 0) return n;
  } else if (/^\d+(\s*,\s*\d+)+,?$/.test(v)) return commaList(v).map(Number);
  throw new NeurolensError('usage', circuitMessages.badQueries(value));
}

interface EvalFlags {
  run: string;
  queries?: number | number[];
  labels?: string;
  percentile?: number;
  seed?: number;
  draws?: number;
  steps?: number;
  batch?: number;
  threads?: number;
  device?: 'cpu' | 'cuda';
  layers?: string[];
  ablation?: AblationOption;
  support?: SupportGate;
  shard?: ShardSpec;
}

/** '--ablation zero|mean|both'. */
export function parseAblation(value: string): AblationOption {
  const v = value.trim();
  if (v === 'zero' || v === 'mean' || v === 'both') return v;
  throw new NeurolensError('usage', circuitMessages.badAblation(value));
}

/** '--ablation zero|mean' of a diagnosis. */
export function parseDiagnoseAblation(value: string): 'zero' | 'mean' {
  const v = value.trim();
  if (v === 'zero' || v === 'mean') return v;
  throw new NeurolensError('usage', circuitMessages.badDiagnoseAblation(value));
}

interface DiagnoseFlags {
  run: string;
  query: string;
  target?: string;
  stimulate?: number;
  ablation?: 'zero' | 'mean';
  percentile?: number;
  batch?: number;
  threads?: number;
  device: 'cpu' | 'cuda';
  layers?: string[];
  support?: SupportGate;
}

const D = CIRCUITS_DEFAULTS;

/** Adds `eval` and `diagnose` to the `circuits` command. */
export function registerCircuitSubcommands(circuits: Command): void {
  circuits
    .command('eval')
    .description('verify circuits: ablate each query\'s circuits (together and one by one) vs as many random / outside neurons; completeness; deletion and insertion curves')
    .addOption(runOption(TOP10_RUN))
    .addOption(shownDefault(new Option('--queries <n|list>', 'number of seeded random queries or comma-separated image indices').argParser(parseQueries), D.queries))
    .option('--labels <file>', 'CSV (path,label) or JSONL of true classes (class name or index) to also score the true class')
    .addOption(percentileOption(D.percentile))
    .addOption(supportOption(D.support))
    .addOption(seedOption(D.seed, 'the query sample and the random draws'))
    .addOption(shownDefault(new Option('--draws <n>', 'random and outside draws per query').argParser(positiveInteger('--draws')), D.draws))
    .addOption(shownDefault(new Option('--steps <n>', 'points of the deletion/insertion curves after k = 0').argParser(positiveInteger('--steps')), D.steps))
    .addOption(shownDefault(new Option('--ablation <mode>', 'zero (×0), mean (the neuron\'s dataset mean from the run) or both (zero primary)').argParser(parseAblation), D.ablation))
    .addOption(batchOption(D.batch, 'rows per model run'))
    .addOption(threadsOption())
    .addOption(deviceOption())
    .addOption(layersOption())
    .option('--shard <i/n>', 'evaluate only shard I of N of the queries into RUN/shards/; `merge RUN` assembles eval.json', parseShard)
    .action((flags: EvalFlags) =>
      runAction(async () => {
        const [{ evaluateCircuits, formatEvalTable }, { evaluateCircuitsShard }] = await Promise.all([import('../../circuits/eval.js'), import('../../circuits/eval-shards.js')]);
        const progress = createProgressRenderer();
        try {
          const hooks = { onProgress: (p: { done: number; total: number }) => progress.update({ phase: 'circuits eval', ...p }) };
          if (flags.shard) {
            const { shard, ...options } = flags;
            const done = await evaluateCircuitsShard(withDevice(options), shard, hooks);
            progress.stop();
            process.stdout.write(`${shardMessages.evalShardDone(shard.index, shard.count, done.queries, flags.run)}\n`);
            return;
          }
          const { result, path } = await evaluateCircuits(withDevice(flags), hooks);
          progress.stop();
          process.stdout.write(formatEvalTable(result) + `result: ${path}\n`);
        } finally {
          progress.stop();
        }
      }),
    );

  circuits
    .command('diagnose')
    .description('rank a query\'s circuits by how inhibiting and stimulating (×2) them moves the predicted and a target class; say which circuit narrows the margin, or that none does')
    .addOption(runOption(TOP10_RUN))
    .requiredOption('--query <q>', 'a run image index or an image file')
    .addOption(shownDefault(new Option('--target <class>', 'target class index or name'), 'the runner-up class'))
    .addOption(shownDefault(new Option('--stimulate <f>', 'factor for stimulated neurons').argParser(finiteNumber('--stimulate')), D.stimulate))
    .addOption(shownDefault(new Option('--ablation <mode>', 'how inhibited neurons are removed: zero (×0) or mean (their dataset mean from the run)').argParser(parseDiagnoseAblation), 'zero'))
    .addOption(percentileOption(D.percentile))
    .addOption(supportOption(D.support))
    .addOption(batchOption(D.batch, 'rows per model run'))
    .addOption(threadsOption())
    .addOption(deviceOption())
    .addOption(layersOption())
    .action((flags: DiagnoseFlags) =>
      runAction(async () => {
        const { diagnoseQuery, formatDiagnosis } = await import('../../circuits/diagnose.js');
        const q = flags.query.trim();
        if (q === '') throw new NeurolensError('usage', circuitMessages.badQueryRef(q));
        const query = /^\d+$/.test(q) ? { index: Number(q) } : { image: q };
        const { run, target, stimulate, percentile, batch, threads, device, layers, ablation, support } = flags;
        const { diagnosis, path } = await diagnoseQuery({ run, query, ...(ablation ? { ablation } : {}), ...(support ? { support } : {}), ...(target !== undefined ? { target } : {}), ...(stimulate !== undefined ? { stimulate } : {}), ...(percentile !== undefined ? { percentile } : {}), ...(batch ? { batch } : {}), ...(threads ? { threads } : {}), executionProvider: device, ...(layers ? { layers } : {}) });
        process.stdout.write(formatDiagnosis(diagnosis) + `result: ${path}\n`);
      }),
    );
}
