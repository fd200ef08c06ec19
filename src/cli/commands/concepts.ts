/** `neurolens concepts`: concept hierarchy with neuron groups for a recorded run. */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { ActiveRule } from '../../concepts/active.js';
import { CONCEPTS_DEFAULTS } from '../../concepts/defaults.js';
import type { ConceptsOptions } from '../../concepts/pipeline.js';
import { NeurolensError } from '../../errors.js';
import { cliMessages } from '../../messages/index.js';
import { fraction, layersOption, poolingOption, positiveInteger, runOption, seedOption, shownDefault } from '../options.js';
import { printWarning } from '../progress.js';
import { runAction } from '../run-action.js';

function activeRule(value: string): ActiveRule {
  const match = /^(top-frac|quantile):(0?\.\d+|1(\.0*)?)$/.exec(value.trim());
  if (!match) throw new NeurolensError('usage', cliMessages.badActive(value));
  const x = Number(match[2]);
  return match[1] === 'top-frac' ? { kind: 'top-frac', fraction: x } : { kind: 'quantile', q: x };
}

const D = CONCEPTS_DEFAULTS;

export function registerConcepts(program: Command): void {
  program
    .command('concepts')
    .description('cluster captions into a concept hierarchy and find the neuron group of every concept, per layer')
    .addOption(runOption())
    .option('--captions <file>', 'JSONL or CSV with path (relative to the image root) and caption')
    .option('--captioner <id>', "caption the images instead: 'openai:<model>' or 'transformers:<model dir>' (cached in the run)")
    .option('--allow-missing', 'leave out images without a caption instead of failing')
    .addOption(shownDefault(new Option('--embedder <id>', "text embedder: 'tfidf', 'openai:<model>', 'transformers:<model dir>'"), D.embedder))
    .addOption(shownDefault(new Option('--summarizer <id>', "cluster caption writer: 'extractive' or 'openai:<model>'"), D.summarizer))
    .option('--base-url <url>', 'OpenAI-compatible server for openai: providers (key from OPENAI_API_KEY)')
    .option('--allow-remote', 'let transformers: providers download models (default: local folders only)')
    .addOption(shownDefault(new Option('--sample-k <n>', 'captions sampled per cluster for an LLM summary').argParser(positiveInteger('--sample-k')), D.sampleK))
    .addOption(layersOption())
    .addOption(poolingOption(D.pooling))
    .addOption(shownDefault(new Option('--active <rule>', "active neurons: 'top-frac:0.1' (top 10 % of the layer per image) or 'quantile:0.9'").argParser(activeRule), `top-frac:${D.active.fraction}`))
    .addOption(shownDefault(new Option('--min-share <f>', 'share of a cluster’s images a neuron must be active on').argParser(fraction('--min-share')), D.minShare))
    .addOption(shownDefault(new Option('--finch-variant <v>', 'FINCH behaviour').choices(['v0.2.1', 'v0.2.2']), D.finchVariant))
    .option('--clusters <k>', 'cut the hierarchy at exactly k clusters (FINCH requested count) as its top level', positiveInteger('--clusters'))
    .addOption(shownDefault(new Option('--keywords <n>', 'keywords per cluster caption').argParser(positiveInteger('--keywords')), D.keywords))
    .addOption(shownDefault(new Option('--chance-draws <n>', 'random partitions for the chance baseline').argParser(positiveInteger('--chance-draws')), D.chanceDraws))
    .addOption(seedOption(D.seed, 'the chance baseline'))
    .action((flags: ConceptsOptions) =>
      runAction(async () => {
        const { buildConcepts } = await import('../../concepts/pipeline.js');
        const result = await buildConcepts(flags, { onStep: (m) => process.stderr.write(`neurolens concepts: ${m}\n`) });
        for (const warning of result.warnings) printWarning(warning);
        process.stdout.write(
          `concept hierarchy: ${result.counts.map((n, l) => `level ${l + 1}: ${n} clusters`).join(', ')} over ${result.kept.length} images\n` +
            result.files.map((f) => `  ${f}\n`).join('') +
            `report: ${result.report}\n`,
        );
      }),
    );
}
