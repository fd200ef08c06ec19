/** `neurolens concepts`: concept hierarchy with neuron groups for a recorded run. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { buildConcepts } from '../../concepts/pipeline.js';
import type { ActiveRule } from '../../concepts/active.js';
import { NeurolensError } from '../../errors.js';
import { cliMessages } from '../../messages/index.js';
import { commaList, positiveInteger } from '../options.js';
import { runAction } from '../run-action.js';

function activeRule(value: string): ActiveRule {
  const match = /^(top-frac|quantile):(0?\.\d+|1(\.0*)?)$/.exec(value.trim());
  if (!match) throw new NeurolensError('usage', cliMessages.badActive(value));
  const x = Number(match[2]);
  return match[1] === 'top-frac' ? { kind: 'top-frac', fraction: x } : { kind: 'quantile', q: x };
}

function share(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= 1)) throw new NeurolensError('usage', cliMessages.badFraction('--min-share', value));
  return n;
}

export function registerConcepts(program: Command): void {
  program
    .command('concepts')
    .description('cluster captions into a concept hierarchy and find the neuron group of every concept, per layer')
    .requiredOption('--run <dir>', 'a finished run folder (from `neurolens record`)')
    .option('--captions <file>', 'JSONL or CSV with path (relative to the image root) and caption')
    .option('--captioner <id>', "caption the images instead: 'openai:<model>' or 'transformers:<model dir>' (cached in the run)")
    .option('--allow-missing', 'leave out images without a caption instead of failing')
    .option('--embedder <id>', "text embedder: 'tfidf', 'openai:<model>', 'transformers:<model dir>'", 'tfidf')
    .option('--summarizer <id>', "cluster caption writer: 'extractive' or 'openai:<model>'", 'extractive')
    .option('--base-url <url>', 'OpenAI-compatible server for openai: providers (key from OPENAI_API_KEY)')
    .option('--allow-remote', 'let transformers: providers download models (default: local folders only)')
    .option('--sample-k <n>', 'captions sampled per cluster for an LLM summary (default 20)', positiveInteger('--sample-k'))
    .option('--layers <ids>', 'comma-separated layer ids (default: every recorded layer)', commaList)
    .addOption(new Option('--pooling <name>', 'recorded pooling to use').choices(['mean', 'max', 'top10']).default('mean'))
    .option('--active <rule>', "active neurons: 'top-frac:0.1' (top 10 % of the layer per image) or 'quantile:0.9'", activeRule)
    .option('--min-share <f>', 'share of a cluster’s images a neuron must be active on (default 0.5)', share)
    .addOption(new Option('--finch-variant <v>', 'FINCH behaviour').choices(['v0.2.1', 'v0.2.2']).default('v0.2.1'))
    .option('--clusters <k>', 'cut the hierarchy at exactly k clusters (FINCH requested count) as its top level', positiveInteger('--clusters'))
    .option('--keywords <n>', 'keywords per cluster caption (default 5)', positiveInteger('--keywords'))
    .option('--chance-draws <n>', 'random partitions for the chance baseline (default 20)', positiveInteger('--chance-draws'))
    .option('--seed <n>', 'seed of the chance baseline (default 0)', (v) => Number.parseInt(v, 10))
    .action((flags: { run: string; captions?: string; captioner?: string; baseUrl?: string; allowRemote?: boolean; sampleK?: number; allowMissing?: boolean; embedder: string; summarizer: string; layers?: string[]; pooling: 'mean' | 'max' | 'top10'; active?: ActiveRule; minShare?: number; finchVariant: 'v0.2.1' | 'v0.2.2'; clusters?: number; keywords?: number; chanceDraws?: number; seed?: number }) =>
      runAction(async () => {
        const result = await buildConcepts(flags, { onStep: (m) => process.stderr.write(`neurolens concepts: ${m}\n`) });
        for (const warning of result.warnings) process.stderr.write(`neurolens: warning: ${warning}\n`);
        process.stdout.write(
          `concept hierarchy: ${result.counts.map((n, l) => `level ${l + 1}: ${n} clusters`).join(', ')} over ${result.kept.length} images\n` +
            result.files.map((f) => `  ${f}\n`).join('') +
            `report: ${result.report}\n`,
        );
      }),
    );
}
