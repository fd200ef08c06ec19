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
          const line = result.status === 'unchanged' ? shardMessages.alreadyMerged(run, result.images, result.skipped) : shardMessages.merged(run, result.shards, result.images, result.skipped);
          process.stdout.write(`${line}\nmanifest: ${result.manifestPath}\n`);
        } finally {
          progress.stop();
        }
      }),
    );
}
