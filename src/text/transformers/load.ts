/**
 * Loading `@huggingface/transformers` (an optional peer dependency) on first use, and resolving a
 * `transformers:<model>` name to something it can load without surprises:
 *
 * - the package is imported only when a transformers provider first runs, so neurolens works
 *   without it; when it is missing the user gets one line saying how to install it;
 * - `<model>` is a local directory whenever one exists at that path (relative to the working
 *   directory). It is handed to transformers.js as an absolute path, which is never a valid Hub id,
 *   so transformers.js reads the files straight from it (`env.localModelPath` is not involved);
 * - anything else is a Hugging Face Hub id, allowed only with `allowRemote` (`--allow-remote`).
 *   Without it the name is refused before transformers.js is called, so nothing is ever fetched;
 *   `env.allowRemoteModels` and `local_files_only` are set as a second line of defence;
 * - transformers.js logs through console.log/warn/error; its log level is set to NONE (which also
 *   silences onnxruntime) because the library never prints.
 *
 * transformers.js keeps these settings in one global `env`, so every load runs inside
 * {@link withTransformers}, which sets them and serialises loads: two providers with different
 * `allowRemote` cannot interleave.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { NeurolensError } from '../../errors.js';
import { oneLine } from '../../llm/errors.js';
import { textMessages } from '../../messages/text.js';

export type TransformersModule = typeof import('@huggingface/transformers');

const PACKAGE = '@huggingface/transformers';

/** What every transformers provider accepts about where its model comes from. */
export interface TransformersSourceOptions {
  /**
   * Local model directory (a transformers.js export: config.json, tokenizer files, onnx/*.onnx) or,
   * with `allowRemote`, a Hugging Face Hub id (`owner/name`). A relative directory is resolved
   * against the working directory.
   */
  model: string;
  /** Allow downloading `model` from the Hugging Face Hub (`--allow-remote`). Default false: local files only. */
  allowRemote?: boolean;
  /** Where downloaded models are kept. Default: transformers.js's own cache folder. */
  cacheDir?: string;
  /** onnxruntime intra-op threads. Default: onnxruntime's choice (all cores). */
  threads?: number;
}

/** A model name resolved for transformers.js. */
export interface ModelRef {
  /** What to pass to `from_pretrained`/`pipeline`: an absolute directory, or a Hub id. */
  ref: string;
  /** True when `ref` is a local directory. */
  local: boolean;
}

let loaded: Promise<TransformersModule> | undefined;

/**
 * The `@huggingface/transformers` module, imported once and configured to stay silent.
 *
 * @param providerId the provider asking (e.g. `transformers:Xenova/all-MiniLM-L6-v2`), named in the
 *   error when the package is missing.
 * @throws NeurolensError('usage') when the package is not installed, ('runtime') when it fails to load.
 */
export function importTransformers(providerId: string): Promise<TransformersModule> {
  loaded ??= importWith(() => import(PACKAGE) as Promise<TransformersModule>, providerId).catch((err: unknown) => {
    loaded = undefined; // a later call (after `npm install`) may succeed
    throw err;
  });
  return loaded;
}

/** {@link importTransformers} with the import itself given: lets tests simulate a missing package. */
export async function importWith(load: () => Promise<TransformersModule>, providerId: string): Promise<TransformersModule> {
  let tf: TransformersModule;
  try {
    tf = await load();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    const message = err instanceof Error ? err.message : String(err);
    // Only the package itself missing means "install it"; a broken install names what broke.
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${PACKAGE}'`)) {
      throw new NeurolensError('usage', textMessages.transformersNotInstalled(providerId), { cause: err });
    }
    throw new NeurolensError('runtime', textMessages.transformersImportFailed(oneLine(message, 200)), { cause: err });
  }
  tf.env.logLevel = tf.LogLevel.NONE;
  return tf;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `fn` (a load: `pipeline`, `from_pretrained`) with transformers.js's global settings for
 * `options`, after every earlier load has finished.
 */
export function withTransformers<T>(tf: TransformersModule, options: TransformersSourceOptions, fn: () => Promise<T>): Promise<T> {
  const run = queue.then(() => {
    tf.env.allowRemoteModels = options.allowRemote === true;
    tf.env.allowLocalModels = true;
    tf.env.logLevel = tf.LogLevel.NONE;
    return fn();
  });
  queue = run.catch(() => undefined);
  return run;
}

/** Options for `pipeline`/`from_pretrained`: fp32 on the CPU (deterministic), local only unless allowed. */
export function pretrainedOptions(options: TransformersSourceOptions) {
  return {
    dtype: 'fp32' as const,
    device: 'cpu' as const,
    local_files_only: options.allowRemote !== true,
    ...(options.cacheDir === undefined ? {} : { cache_dir: options.cacheDir }),
    ...(options.threads === undefined ? {} : { session_options: { intraOpNumThreads: options.threads } }),
  };
}

/** Hub ids as the Hub accepts them: `name` or `owner/name`, word characters, `-` and `.`. */
const HUB_ID = /^(?:[\w.-]+\/)?[\w.-]{1,96}$/;

/**
 * Resolves `<model>`: an existing directory (it must hold config.json) → its absolute path; else a
 * Hub id when `allowRemote`; else a one-line error naming the path and `--allow-remote`. Never
 * touches the network.
 */
export async function resolveModel(model: string, allowRemote = false): Promise<ModelRef> {
  const path = resolve(model);
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) {
    const config = await stat(join(path, 'config.json')).catch(() => undefined);
    if (!config?.isFile()) throw new NeurolensError('input', textMessages.transformersModelNoConfig(path));
    return { ref: path, local: true };
  }
  if (info !== undefined) throw new NeurolensError('input', textMessages.transformersModelNotDirectory(path));
  if (!allowRemote) throw new NeurolensError('input', textMessages.transformersModelNotLocal(model, path));
  if (isAbsolute(model) || !HUB_ID.test(model) || model.includes('..') || model.includes('--')) {
    throw new NeurolensError('input', textMessages.transformersBadHubId(model));
  }
  return { ref: model, local: false };
}

/**
 * A one-line NeurolensError for a failure inside transformers.js while loading `model`: a missing
 * file is named; anything else keeps transformers.js's reason, flattened to one line.
 */
export function loadError(model: string, err: unknown): NeurolensError {
  if (err instanceof NeurolensError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const missing = /not found locally at "([^"]+)"|Local file missing at "([^"]+)"/.exec(message);
  if (missing) return new NeurolensError('model', textMessages.transformersFileMissing(model, missing[1] ?? missing[2]!), { cause: err });
  return new NeurolensError('model', textMessages.transformersLoadFailed(model, oneLine(message, 200)), { cause: err });
}

/** A one-line NeurolensError for a failure inside transformers.js while running `model`. */
export function runError(model: string, err: unknown): NeurolensError {
  if (err instanceof NeurolensError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new NeurolensError('runtime', textMessages.transformersRunFailed(model, oneLine(message, 200)), { cause: err });
}
