/** `neurolens merge RUN`: assemble the finished shards of a recording into the run itself. */
import type { Command } from 'commander';
import { mergeShards, shardMessages } from '../../index.js';
import { createProgressRenderer } from '../progress.js';
import { runAction } from '../run-action.js';

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('assemble the shards of `record --shard I/N` into RUN: the same files one `record` writes')
    .argument('<run>', 'the run folder the shards were recorded into (--out of every shard)')
    .action((run: string) =>
      runAction(async () => {
        const progress = createProgressRenderer();
        try {
          const result = await mergeShards(run, {
            onProgress: (p) => progress.update(p),
            onWarning: (message) => {
              progress.stop();
              process.stderr.write(`neurolens: warning: ${message}\n`);
            },
          });
          progress.stop();
          const lines = result.merged.map((m) =>
            m.stage === 'record' ? shardMessages.merged(run, m.shards, m.units, result.skipped) : shardMessages.mergedEval(m.path, m.shards, m.units),
          );
          if (result.status === 'unchanged') lines.push(shardMessages.alreadyMerged(run, result.images, result.skipped));
          process.stdout.write(`${lines.join('\n')}\nmanifest: ${result.manifestPath}\n`);
        } finally {
          progress.stop();
        }
      }),
    );
}
