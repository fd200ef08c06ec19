/**
 * `neurolens attribute`: attribution maps of an image collection (src/attribution/pipeline.ts) →
 * OUT/NAME.METHOD.npy + .png and OUT/attribution.json. A thin wrapper; registerAttribute returns
 * the command so subcommands (e.g. `attribute eval`) can be added to it.
 *
 * The methods and their flags come from the method registry (src/attribution/registry.ts), through
 * addMethodOptions and methodOptionsFromFlags (../options.ts), which serve `attribute eval` too.
 */
import { Option, type Command } from 'commander';
import type { AttributionRunHooks, AttributionRunOptions } from '../../attribution/pipeline.js';
import { checkRawMethod, methodNames, rawMethodNames } from '../../attribution/registry.js';
import { NeurolensError } from '../../errors.js';
import { attributionMessages, shardMessages } from '../../messages/index.js';
import { parseShard, type ShardSpec } from '../../shards/spec.js';
import {
  addMethodOptions,
  deviceOption,
  limitOption,
  maxBatchOption,
  methodOptionsFromFlags,
  methodsHelp,
  requiredWhenCommandRuns,
  sizeOption,
  threadsOption,
} from '../options.js';
import { withProgress } from '../progress.js';
import { runAction } from '../run-action.js';

/** The flags of `attribute`'s own options; the method options are read by methodOptionsFromFlags. */
export interface AttributeFlags {
  model?: string;
  images?: string;
  out?: string;
  method?: string;
  target: string;
  quantity: 'logit' | 'probability';
  maxBatch?: number;
  limit?: number;
  threads?: number;
  size?: [number, number];
  device: 'cpu' | 'cuda';
  raw?: boolean;
  shard?: ShardSpec;
  [methodOption: string]: unknown;
}

/**
 * The library options of each method the flags name (a comma list computes several methods into
 * the same folder, one after the other), checked before any of them runs.
 */
export function attributionOptionsFromFlags(flags: AttributeFlags): AttributionRunOptions[] {
  const methods = [...new Set((flags.method ?? '').split(',').map((m) => m.trim()).filter((m) => m !== ''))];
  const known = methodNames();
  for (const m of methods) {
    if (!known.includes(m)) throw new NeurolensError('usage', attributionMessages.badMethod(m, known));
  }
  if (methods.length === 0) throw new NeurolensError('usage', attributionMessages.noMethod(known));
  // Before any method runs, so a comma list does not fail after computing its first methods.
  if (flags.raw) for (const m of methods) checkRawMethod(m);
  if (!flags.model) throw new NeurolensError('usage', attributionMessages.noModel());
  if (!flags.images) throw new NeurolensError('usage', attributionMessages.noImages());
  if (!flags.out) throw new NeurolensError('usage', attributionMessages.noOut());
  const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  const methodOptions = methodOptionsFromFlags(flags);
  return methods.map((method) => ({
    model: flags.model!,
    images: flags.images!,
    out: flags.out!,
    method,
    target: flags.target,
    quantity: flags.quantity,
    ...methodOptions,
    ...defined({ maxBatch: flags.maxBatch, limit: flags.limit, threads: flags.threads }),
    executionProvider: flags.device,
    ...(flags.raw ? { raw: true } : {}),
    ...(flags.size ? { preprocessing: { size: flags.size } } : {}),
  }));
}

/** The one method's options for shards (their folder holds one method at a time). */
export function oneMethodOptions(flags: AttributeFlags): AttributionRunOptions {
  const all = attributionOptionsFromFlags(flags);
  if (all.length > 1) throw new NeurolensError('usage', shardMessages.oneMethodPerShard(all.map((o) => o.method)));
  return all[0]!;
}

async function attribute(flags: AttributeFlags): Promise<void> {
  const all = flags.shard ? [oneMethodOptions(flags)] : attributionOptionsFromFlags(flags);
  const [{ runAttribution }, { runAttributionShard }] = await Promise.all([import('../../attribution/pipeline.js'), import('../../attribution/shards.js')]);
  // Finished maps are written atomically and reused by the same command (withProgress says so on Ctrl-C).
  await withProgress(async ({ progress, warn }) => {
    const hooks: AttributionRunHooks = { onProgress: (p) => progress.update(p), onWarning: warn };
    for (const options of all) {
      if (flags.shard) {
        const done = await runAttributionShard(options, flags.shard, hooks);
        progress.stop();
        process.stdout.write(`${shardMessages.attributionShardDone(done.index, done.count, done.images, done.skipped, options.out)}\n`);
        continue;
      }
      const result = await runAttribution(options, hooks);
      progress.stop();
      const rate = result.computed > 0 ? ` (${(result.computed / result.seconds).toFixed(2)} images/s)` : '';
      process.stdout.write(
        `${options.method}: ${result.computed} map(s) computed, ${result.reused} reused, ${result.skipped} image(s) skipped in ${result.seconds.toFixed(1)} s${rate}\n` +
          `result: ${result.json}\n`,
      );
    }
  });
}

/** Adds `attribute` to `program`; returns it so subcommands can be added. */
export function registerAttribute(program: Command): Command {
  // Required of `attribute` only: `attribute eval` declares its own (see requiredWhenCommandRuns).
  const required = (flags: string, description: string) => requiredWhenCommandRuns(new Option(flags, description));
  const command = program
    .command('attribute')
    .description(`attribution maps (${methodNames().join(', ')}) of images for a class, a neuron or a circuit`)
    // `attribute eval …`: options after a subcommand belong to it, not to `attribute`.
    .enablePositionalOptions()
    .addOption(required('--model <file>', 'ONNX model (a .json model card next to it sets preprocessing and class names)'))
    .addOption(required('--images <dir|list|file>', 'image folder (recursive), list file or one image'))
    .addOption(required('--out <dir>', 'folder for NAME.METHOD.npy/.png and attribution.json (re-runs reuse finished maps)'))
    // No .choices(): a comma list computes several methods.
    .addOption(required('--method <names>', `attribution method(s), comma-separated: ${methodNames().join(', ')}`))
    .option('--target <t>', 'pred, a class index or name, neuron:LAYER:C, or circuit:FILE[#K]', 'pred')
    .addOption(new Option('--quantity <q>', 'score of class targets').choices(['logit', 'probability']).default('logit'))
    .addOption(maxBatchOption())
    .addOption(limitOption())
    .addOption(threadsOption())
    .addOption(sizeOption())
    .addOption(deviceOption())
    .option('--shard <i/n>', 'attribute only shard I of N of the images into OUT/shards/ (one method); `merge OUT` assembles them', parseShard)
    .option('--raw', `also store each map's signed input gradient as NAME.METHOD.grad.npy, float32 [C,H,W] (${rawMethodNames().join(', ')})`)
    .addHelpText('after', methodsHelp());
  return addMethodOptions(command).action((flags: AttributeFlags) => runAction(() => attribute(flags)));
}
