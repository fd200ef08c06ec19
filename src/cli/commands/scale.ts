/**
 * `neurolens submit`, `worker` and `status`: a stage's shards as BullMQ jobs on Redis, run by any
 * number of workers that see the same RUN path. bullmq and ioredis are loaded by the library only
 * when one of these commands runs.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { EvalOptions } from '../../circuits/eval.js';
import { DEFAULT_ATTEMPTS, DEFAULT_QUEUE, DEFAULT_SHARDS } from '../../scale/jobs.js';
import type { StageOptions } from '../../scale/types.js';
import { STAGE_COMMAND } from '../../shards/spec.js';
import type { VisualizeOptions } from '../../visualize/types.js';
import { toRecordOptions } from './record.js';
import type { VisualizeFlags } from './visualize.js';
import { oneMethodOptions, type AttributeFlags } from './attribute.js';
import { evalOptionsFromFlags, type EvalFlags } from './attribute-eval.js';
import { positiveInteger, shownDefault, withDevice } from '../options.js';
import { runAction } from '../run-action.js';
import { formatStatus, formatWorkerEvent } from './scale-format.js';

function redisOption(): Option {
  return new Option('--redis <url>', 'Redis URL every worker reaches, e.g. redis://HOST:6379').makeOptionMandatory();
}

function queueOption(): Option {
  return shownDefault(new Option('--queue <name>', 'BullMQ queue name; workers must use the same'), DEFAULT_QUEUE);
}

/** Copies a command's own options (the same Option objects) onto a `submit` subcommand. */
function stageOptions(from: Command, to: Command): Command {
  for (const option of from.options) if (option.long !== '--shard' && option.long !== '--debug') to.addOption(option);
  return to
    .addOption(redisOption())
    .addOption(shownDefault(new Option('--attempts <n>', 'tries per shard before the run counts as failed').argParser(positiveInteger('--attempts')), DEFAULT_ATTEMPTS))
    .addOption(queueOption());
}

interface QueueFlags {
  redis: string;
  shards: number;
  attempts: number;
  queue?: string;
}

async function queue(work: StageOptions, flags: QueueFlags): Promise<void> {
  const { submit: submitWork } = await import('../../scale/submit.js');
  const result = await submitWork({ redis: flags.redis, work, shards: flags.shards, attempts: flags.attempts, queue: flags.queue });
  const what = `${STAGE_COMMAND[work.stage]} of ${result.run}`;
  process.stdout.write(
    result.added
      ? `queued ${what} as ${result.shards} shards on ${flags.redis}; start workers with \`npx neurolens worker --redis ${flags.redis}\`\n`
      : `${what} is already queued as ${result.shards} shards; nothing was added\n`,
  );
}

function shardsOption(what: string): Option {
  return shownDefault(new Option('--shards <n>', `shards to split the ${what} into`).argParser(positiveInteger('--shards')), DEFAULT_SHARDS);
}

/**
 * `submit record|circuits-eval|visualize|attribute|attribute-eval …`: each stage's own options,
 * plus where and how to queue. Registered after the stages' commands, whose options they share.
 */
export function registerSubmit(program: Command): void {
  const submit = program.command('submit').description('queue a stage as shards on Redis for `npx neurolens worker` processes to run (then merged once)');
  const top = (name: string) => program.commands.find((c) => c.name() === name);
  const sub = (parent: string, name: string) => top(parent)?.commands.find((c) => c.name() === name);
  const [record, circuitsEval, visualize, attribute, attributeEval] = [top('record'), sub('circuits', 'eval'), top('visualize'), top('attribute'), sub('attribute', 'eval')];
  if (!record || !circuitsEval || !visualize || !attribute || !attributeEval) throw new Error('registerSubmit needs the record, circuits eval, visualize, attribute and attribute eval commands registered first');
  stageOptions(record, submit.command('record').description('queue `record` as shards of whole chunks of the sorted image list'))
    .addOption(shownDefault(new Option('--shards <n>', 'shards to split the images into (whole chunks each)').argParser(positiveInteger('--shards')), DEFAULT_SHARDS))
    .action((flags: Parameters<typeof toRecordOptions>[0] & QueueFlags) => runAction(() => queue({ stage: 'record', options: toRecordOptions(flags) }, flags)));
  stageOptions(circuitsEval, submit.command('circuits-eval').description('queue `circuits eval` as shards of contiguous ranges of the query list'))
    .addOption(shardsOption('queries'))
    .action(({ redis, shards, attempts, queue: name, ...options }: EvalOptions & { device?: 'cpu' | 'cuda' } & QueueFlags) =>
      runAction(() => queue({ stage: 'circuits-eval', options: withDevice(options) }, { redis, shards, attempts, queue: name })),
    );
  stageOptions(visualize, submit.command('visualize').description('queue `visualize` as shards of contiguous ranges of its neurons (layer by layer, in order)'))
    .addOption(shardsOption('neurons'))
    .action(({ redis, shards, attempts, queue: name, ...options }: VisualizeFlags & QueueFlags) =>
      runAction(() => queue({ stage: 'visualize', options: withDevice(options) }, { redis, shards, attempts, queue: name })),
    );
  stageOptions(attribute, submit.command('attribute').description('queue `attribute` (one --method) as shards of contiguous ranges of the sorted image list'))
    .addOption(shardsOption('images'))
    .action(({ redis, shards, attempts, queue: name, ...flags }: AttributeFlags & QueueFlags) =>
      runAction(() => queue({ stage: 'attribute', options: oneMethodOptions(flags) }, { redis, shards, attempts, queue: name })),
    );
  stageOptions(attributeEval, submit.command('attribute-eval').description('queue `attribute eval` as shards of contiguous ranges of the sorted image list (no --sanity)'))
    .addOption(shardsOption('images'))
    .action(({ redis, shards, attempts, queue: name, ...flags }: EvalFlags & QueueFlags) =>
      runAction(() => queue({ stage: 'attribute-eval', options: evalOptionsFromFlags(flags) }, { redis, shards, attempts, queue: name })),
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
        const { startWorker } = await import('../../scale/worker.js');
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
    .description('progress of a run queued with `submit`: shards done/running/failed, images (queries, neurons) per second, ETA')
    .argument('<run>', 'the run folder given to `submit … --out`')
    .addOption(redisOption())
    .addOption(queueOption())
    .option('--json', 'print the status as JSON')
    .option('--wait', 'wait until every queued stage of the run is merged (or has failed), then print')
    .action((run: string, flags: { redis: string; queue?: string; json?: boolean; wait?: boolean }) =>
      runAction(async () => {
        const { queueStatus, waitForStage } = await import('../../scale/status.js');
        const options = { redis: flags.redis, queue: flags.queue };
        let stages = await queueStatus(run, options);
        if (flags.wait) stages = await Promise.all(stages.map((s) => waitForStage(run, s.stage, options)));
        process.stdout.write(flags.json ? `${JSON.stringify(stages, null, 2)}\n` : formatStatus(stages));
      }),
    );
}
