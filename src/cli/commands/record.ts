/** `neurolens record`: stream images through a model and store per-neuron activations. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { record, POOLINGS, type Pooling, type RecordOptions } from '../../index.js';
import { NeurolensError } from '../../errors.js';
import { cliMessages, recordMessages } from '../../messages/index.js';
import { commaList, imageSize, positiveInteger } from '../options.js';
import { createProgressRenderer } from '../progress.js';
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

function fraction(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= 1)) throw new NeurolensError('usage', cliMessages.badFraction('--crop-fraction', value));
  return n;
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

export function registerRecord(program: Command): void {
  program
    .command('record')
    .description('stream an image folder through a model and store per-neuron activations (resumable)')
    .requiredOption('--model <file>', 'ONNX model (a .json model card next to it sets preprocessing)')
    .requiredOption('--images <dir|list>', 'image folder (recursive) or a text file listing image paths')
    .requiredOption('--out <dir>', 'run folder to create, resume, or leave as is when already complete')
    .option('--layers <which>', "'default', 'all', or comma-separated layer ids from `neurolens inspect`", 'default')
    .option('--pool <list>', 'poolings to store: mean, max, top10 (mean of the top 10 % positions)', 'mean,max,top10')
    .option('--batch <n>', 'images per inference batch (default 16)', positiveInteger('--batch'))
    .option('--limit <n>', 'record only the first n images', positiveInteger('--limit'))
    .option('--threads <n>', 'onnxruntime threads (default: CPU cores)', positiveInteger('--threads'))
    .option('--size <HxW>', 'model input size when the model and its card leave it open', imageSize)
    .option('--max-pixels <n>', 'refuse larger images (decompression bombs; default 100000000)', positiveInteger('--max-pixels'))
    .option('--top-k <n>', 'top images kept per neuron in the summaries (default 100)', positiveInteger('--top-k'))
    .option('--chunk <n>', 'images per journaled chunk, the most a crash can lose (default 256)', positiveInteger('--chunk'))
    .addOption(new Option('--device <name>', 'execution provider').choices(['cpu', 'cuda']).default('cpu'))
    .addOption(new Option('--resize <mode>', 'resize policy (default from the model card, else shorter-crop)').choices(['shorter-crop', 'stretch']))
    .option('--crop-fraction <f>', 'centre-crop fraction for shorter-crop (default 0.875)', fraction)
    .option('--mean <r,g,b>', 'normalisation mean in 0..1 units (default ImageNet)', numbers('--mean'))
    .option('--std <r,g,b>', 'normalisation std in 0..1 units (default ImageNet)', numbers('--std'))
    .action((flags: RecordFlags) =>
      runAction(async () => {
        const progress = createProgressRenderer();
        process.once('SIGINT', () => {
          progress.stop();
          process.stderr.write(`\nneurolens: ${cliMessages.interrupted('SIGINT')}\n`);
          process.exit(130);
        });
        try {
          const result = await record(toRecordOptions(flags), {
            onProgress: (p) => progress.update(p),
            onWarning: (message) => {
              progress.stop();
              process.stderr.write(`neurolens: warning: ${message}\n`);
            },
          });
          progress.stop();
          const rate = result.recordedNow > 0 ? ` (${(result.recordedNow / result.seconds).toFixed(1)} images/s)` : '';
          if (result.rebuilt.length > 0) process.stdout.write(`${recordMessages.rebuilt(flags.out, result.rebuilt)}\n`);
          process.stdout.write(
            result.status === 'unchanged' || (result.status === 'repaired' && result.recordedNow === 0)
              ? `${flags.out} is ${result.status === 'unchanged' ? 'already ' : 'now '}complete: ${result.images} images, ${result.skipped} skipped${result.status === 'unchanged' ? ' (nothing to do)' : ''}\n`
              : `recorded ${result.images} images (${result.skipped} skipped) into ${flags.out} in ${result.seconds.toFixed(1)} s${rate}\n` +
                  `manifest: ${result.manifestPath}\n`,
          );
        } finally {
          progress.stop();
        }
      }),
    );
}
