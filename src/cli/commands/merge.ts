/** `neurolens merge RUN`: assemble the finished shards of a recording into the run itself. */
import type { Command } from 'commander';
import { shardMessages } from '../../messages/index.js';
import { createProgressRenderer, printWarning } from '../progress.js';
import { runAction } from '../run-action.js';

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('assemble the shards of `record`, `circuits eval`, `visualize`, `attribute` or `attribute eval` `--shard I/N` into the files one process writes')
    .argument('<run>', 'the folder the shards were made in (the run, or the OUT of `attribute` / `attribute eval`)')
    .action((run: string) =>
      runAction(async () => {
        const { mergeShards } = await import('../../shards/merge.js');
        const progress = createProgressRenderer();
        try {
          const result = await mergeShards(run, {
            onProgress: (p) => progress.update(p),
            onWarning: (message) => printWarning(message, progress),
          });
          progress.stop();
          const lines = result.merged.map((m) =>
            m.stage === 'record' ? shardMessages.merged(run, m.shards, m.units, result.skipped ?? 0)
            : m.stage === 'circuits-eval' ? shardMessages.mergedEval(m.path, m.shards, m.units)
            : m.stage === 'attribute' ? shardMessages.mergedAttribution(m.path, m.shards, m.units)
            : m.stage === 'visualize' ? shardMessages.mergedVisualize(m.path, m.shards, m.units)
            : shardMessages.mergedAttributionEval(m.path, m.shards, m.units),
          );
          if (result.status === 'unchanged') lines.push(shardMessages.alreadyMerged(run, result.images ?? 0, result.skipped ?? 0));
          if (result.manifestPath) lines.push(`manifest: ${result.manifestPath}`);
          process.stdout.write(`${lines.join('\n')}\n`);
        } finally {
          progress.stop();
        }
      }),
    );
}
