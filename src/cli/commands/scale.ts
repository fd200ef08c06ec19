/**
 * `neurolens submit`, `worker` and `status`: a stage's shards as BullMQ jobs on Redis, run by any
 * number of workers that see the same RUN path. bullmq and ioredis are loaded by the library only
 * when one of these commands runs.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { DEFAULT_QUEUE, DEFAULT_SHARDS, DEFAULT_ATTEMPTS, queueStatus, startWorker, submit as submitWork } from '../../index.js';
import { toRecordOptions } from './record.js';
import { positiveInteger, shownDefault } from '../options.js';
import { runAction } from '../run-action.js';
import { formatStatus, formatWorkerEvent } from './scale-format.js';

function redisOption(): Option {
  return new Option('--redis <url>', 'Redis URL every worker reaches, e.g. redis://HOST:6379').makeOptionMandatory();
}

function queueOption(): Option {
  return shownDefault(new Option('--queue <name>', 'BullMQ queue name; workers must use the same'), DEFAULT_QUEUE);
}

/** `submit record …`: record's own options (shared Option objects), plus where and how to queue. */
export function registerSubmit(program: Command): void {
  const submit = program.command('submit').description('queue a stage as shards on Redis for `npx neurolens worker` processes to run (then merged once)');
  const record = program.commands.find((c) => c.name() === 'record');
  if (!record) throw new Error('registerSubmit needs the record command registered first');
  const sub = submit.command('record').description('queue `record` as shards of whole chunks of the sorted image list');
  for (const option of record.options) if (option.long !== '--shard' && option.long !== '--debug') sub.addOption(option);
  sub
    .addOption(redisOption())
    .addOption(shownDefault(new Option('--shards <n>', 'shards to split the images into (whole chunks each)').argParser(positiveInteger('--shards')), DEFAULT_SHARDS))
    .addOption(shownDefault(new Option('--attempts <n>', 'tries per shard before the run counts as failed').argParser(positiveInteger('--attempts')), DEFAULT_ATTEMPTS))
    .addOption(queueOption())
    .action((flags: Parameters<typeof toRecordOptions>[0] & { redis: string; shards: number; attempts: number; queue?: string }) =>
      runAction(async () => {
        const result = await submitWork({ redis: flags.redis, work: { stage: 'record', options: toRecordOptions(flags) }, shards: flags.shards, attempts: flags.attempts, queue: flags.queue });
        process.stdout.write(
          result.added
            ? `queued record of ${result.run} as ${result.shards} shards on ${flags.redis}; start workers with \`npx neurolens worker --redis ${flags.redis}\`\n`
            : `record of ${result.run} is already queued as ${result.shards} shards; nothing was added\n`,
        );
      }),
    );
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run queued shards and merges from Redis until stopped (Ctrl-C finishes the running jobs first)')
    .addOption(redisOption())
    .addOption(shownDefault(new Option('--concurrency <n>', 'jobs this worker runs at once').argParser(positiveInteger('--concurrency')), 1))
    .addOption(new Option('--device <name>', 'execution provider for every job').choices(['cpu', 'cuda']).default(undefined, 'as submitted'))
    .addOption(new Option('--threads <n>', 'onnxruntime intra-op threads per job').argParser(positiveInteger('--threads')).default(undefined, 'as submitted'))
    .addOption(new Option('--lock-ms <ms>', 'how long a dead worker keeps its shard before another takes it').argParser(positiveInteger('--lock-ms')).default(undefined, '30000'))
    .addOption(queueOption())
    .action((flags: { redis: string; concurrency: number; device?: 'cpu' | 'cuda'; threads?: number; lockMs?: number; queue?: string }) =>
      runAction(async () => {
        const worker = await startWorker(
          { redis: flags.redis, concurrency: flags.concurrency, device: flags.device, threads: flags.threads, lockMs: flags.lockMs, queue: flags.queue },
          (event) => process.stderr.write(`neurolens worker: ${formatWorkerEvent(event)}\n`),
        );
        await new Promise<void>((resolve) => {
          const stop = () => void worker.close().finally(resolve);
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      }),
    );
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('progress of a run queued with `submit`: shards done/running/failed, images/s, ETA')
    .argument('<run>', 'the run folder given to `submit … --out`')
    .addOption(redisOption())
    .addOption(queueOption())
    .option('--json', 'print the status as JSON')
    .action((run: string, flags: { redis: string; queue?: string; json?: boolean }) =>
      runAction(async () => {
        const stages = await queueStatus(run, { redis: flags.redis, queue: flags.queue });
        process.stdout.write(flags.json ? `${JSON.stringify(stages, null, 2)}\n` : formatStatus(stages));
      }),
    );
}
