/** `neurolens record`: stream images through a model and store per-neuron activations. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { NeurolensError } from '../../errors.js';
import { DEFAULT_CROP_FRACTION, DEFAULT_MAX_PIXELS, DEFAULT_RESIZE } from '../../images/defaults.js';
import { CLI, cliMessages, recordMessages, shardMessages } from '../../messages/index.js';
import { DEFAULT_BATCH, DEFAULT_CHUNK, DEFAULT_TOP_K } from '../../record/defaults.js';
import { POOLINGS, type Pooling, type RecordHooks, type RecordOptions, type RecordResult } from '../../record/types.js';
import { parseShard, type ShardSpec } from '../../shards/spec.js';
import { batchOption, commaList, deviceOption, fraction, limitOption, outOption, positiveInteger, shownDefault, sizeOption, threadsOption } from '../options.js';
import { withProgress } from '../progress.js';
import { runAction } from '../run-action.js';

interface RecordFlags {
  model: string;
  images: string;
  out: string;
  layers: string;
  pool: string;
  batch?: number;
  limit?: number;
  threads?: number;
  size?: [number, number];
  maxPixels?: number;
  topK?: number;
  chunk?: number;
  device: 'cpu' | 'cuda';
  resize?: 'shorter-crop' | 'stretch';
  cropFraction?: number;
  mean?: number[];
  std?: number[];
  shard?: ShardSpec;
}

function poolings(value: string): Pooling[] {
  const list = commaList(value);
  if (list.length === 0 || list.some((p) => !POOLINGS.includes(p as Pooling))) {
    throw new NeurolensError('usage', cliMessages.badPoolings(value, POOLINGS));
  }
  return list as Pooling[];
}

function numbers(option: string) {
  return (value: string): number[] => {
    const list = commaList(value).map(Number);
    if (list.length === 0 || list.some((n) => !Number.isFinite(n))) throw new NeurolensError('usage', cliMessages.badNumbers(option, value));
    return list;
  };
}

export function toRecordOptions(flags: RecordFlags): RecordOptions {
  const layers = flags.layers === 'default' || flags.layers === 'all' ? flags.layers : commaList(flags.layers);
  return {
    model: flags.model,
    images: flags.images,
    out: flags.out,
    layers,
    poolings: poolings(flags.pool),
    batch: flags.batch,
    limit: flags.limit,
    threads: flags.threads,
    topK: flags.topK,
    chunkSize: flags.chunk,
    executionProvider: flags.device,
    preprocessing: {
      ...(flags.size ? { size: flags.size } : {}),
      ...(flags.maxPixels ? { maxPixels: flags.maxPixels } : {}),
      ...(flags.resize ? { resize: flags.resize } : {}),
      ...(flags.cropFraction ? { cropFraction: flags.cropFraction } : {}),
      ...(flags.mean ? { mean: flags.mean } : {}),
      ...(flags.std ? { std: flags.std } : {}),
    },
  };
}

/** What a finished `record` prints. */
function summary(out: string, result: RecordResult): string {
  const rate = result.recordedNow > 0 ? ` (${(result.recordedNow / result.seconds).toFixed(1)} images/s)` : '';
  const rebuilt = result.rebuilt.length > 0 ? `${recordMessages.rebuilt(out, result.rebuilt)}\n` : '';
  return (
    rebuilt +
    (result.status === 'unchanged' || (result.status === 'repaired' && result.recordedNow === 0)
      ? `${out} is ${result.status === 'unchanged' ? 'already ' : 'now '}complete: ${result.images} images, ${result.skipped} skipped${result.status === 'unchanged' ? ' (nothing to do)' : ''}\n`
      : `recorded ${result.images} images (${result.skipped} skipped) into ${out} in ${result.seconds.toFixed(1)} s${rate}\n` + `manifest: ${result.manifestPath}\n`)
  );
}

export function registerRecord(program: Command): void {
  program
    .command('record')
    .description('stream an image folder through a model and store per-neuron activations (resumable)')
    .requiredOption('--model <file>', 'ONNX model (a .json model card next to it sets preprocessing)')
    .requiredOption('--images <dir|list>', 'image folder (recursive) or a text file listing image paths')
    .addOption(outOption('run folder to create, resume, or leave as is when already complete'))
    .option('--layers <which>', `'default', 'all', or comma-separated layer ids from \`${CLI} inspect\``, 'default')
    .option('--pool <list>', 'poolings to store: mean, max, top10 (mean of the top 10 % positions)', POOLINGS.join(','))
    .addOption(batchOption(DEFAULT_BATCH))
    .addOption(limitOption())
    .addOption(threadsOption())
    .addOption(sizeOption())
    .addOption(shownDefault(new Option('--max-pixels <n>', 'refuse larger images (decompression bombs)').argParser(positiveInteger('--max-pixels')), DEFAULT_MAX_PIXELS))
    .addOption(shownDefault(new Option('--top-k <n>', 'top images kept per neuron in the summaries').argParser(positiveInteger('--top-k')), DEFAULT_TOP_K))
    .addOption(shownDefault(new Option('--chunk <n>', 'images per journaled chunk, the most a crash can lose').argParser(positiveInteger('--chunk')), DEFAULT_CHUNK))
    .addOption(deviceOption())
    .option('--shard <i/n>', 'record only shard I of N (a contiguous share of the images) into RUN/shards/; `merge RUN` assembles them', parseShard)
    .addOption(shownDefault(new Option('--resize <mode>', 'resize policy').choices(['shorter-crop', 'stretch']), cliMessages.fromModelCard(DEFAULT_RESIZE)))
    .addOption(shownDefault(new Option('--crop-fraction <f>', 'centre-crop fraction for shorter-crop').argParser(fraction('--crop-fraction')), DEFAULT_CROP_FRACTION))
    .addOption(shownDefault(new Option('--mean <r,g,b>', 'normalisation mean in 0..1 units').argParser(numbers('--mean')), cliMessages.fromModelCard('ImageNet')))
    .addOption(shownDefault(new Option('--std <r,g,b>', 'normalisation std in 0..1 units').argParser(numbers('--std')), cliMessages.fromModelCard('ImageNet')))
    .action((flags: RecordFlags) =>
      runAction(() =>
        withProgress(async ({ progress, warn }) => {
          const hooks: RecordHooks = { onProgress: (p) => progress.update(p), onWarning: warn };
          if (flags.shard) {
            const { recordShard } = await import('../../record/shard-record.js');
            const result = await recordShard(toRecordOptions(flags), flags.shard, hooks);
            progress.stop();
            const { index, count } = flags.shard;
            process.stdout.write(`${result.status === 'unchanged' ? shardMessages.shardUnchanged(index, count, flags.out) : shardMessages.shardRecorded(index, count, result.images, result.skipped, flags.out)}\n`);
            return;
          }
          const { record } = await import('../../record/recorder.js');
          const result = await record(toRecordOptions(flags), hooks);
          progress.stop();
          process.stdout.write(summary(flags.out, result));
        }),
      ),
    );
}
