/**
 * `neurolens attribute` as a library call: maps of every image of a collection with one method
 * and target, written to OUT as
 *   NAME.METHOD.npy   float32 [H, W] map in model-input pixels (larger = more important),
 *   NAME.METHOD.png   overlay.ts picture (the image as the model sees it + the map + colour bar),
 *   NAME.METHOD.grad.npy  with `raw`, for the methods with an input gradient (registry
 *                     rawMethodNames): float32 [C, H, W], the signed, unreduced input gradient the
 *                     map was built from (channel planes whatever the model's layout; what it holds
 *                     per method: the method's `rawGradient`),
 *   attribution.json  per image and method: path, sha256, target (spelling, description, class,
 *                     quantity, clean score), options in effect, passes (forward, the clean one
 *                     included) and backward passes (gradient methods), the method's diagnostics
 *                     (integrated-gradients: completeness error), file names; a protocol block
 *                     (model file and sha256, preprocessing, conventions); skipped images.
 * NAME is the image's path relative to the collection root, extension dropped, made file-name safe
 * (characters other than A–Z a–z 0–9 . _ - become _; repeats get -2, -3, … in listing order).
 *
 * The JSON has no timings, so identical inputs give identical files. Outputs are written
 * atomically; a re-run into the same OUT reuses every image whose entry (same image bytes, target,
 * quantity and options in effect) is recorded and whose two files exist, so an interrupted run
 * loses at most the images not yet recorded in attribution.json (it is rewritten at least every
 * second and at the end). Entries of other methods or images in OUT are kept. An OUT holding maps
 * of another model or preprocessing is refused.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { modelPixels } from '../maps/crops.js';
import { NeurolensError } from '../errors.js';
import { decodeImage, listImages } from '../images/index.js';
import type { Preprocessing, PreprocessingOverrides } from '../images/types.js';
import { attributionMessages } from '../messages/attribution.js';
import { openModel } from '../model/open.js';
import type { SessionOptions } from '../runtime/types.js';
import { stableJson, writeFileAtomic, writeJsonAtomic } from '../store/atomic.js';
import { writeNpy } from '../store/npy.js';
import { attributorModel, makeAttributor } from './attributor.js';
import { renderOverlay } from './overlay.js';
import { checkRawMethod } from './registry.js';
import { formatTarget, parseTarget } from './target.js';
import type { AttributionMethod, AttributionResult, AttributionTarget, BoundTarget, MethodOptions, ScoreQuantity } from './types.js';
import { withRunLock } from '../store/lock.js';

export interface AttributionRunOptions extends MethodOptions, SessionOptions {
  /** The .onnx model; a model card (.json) next to it sets preprocessing and class names. */
  model: string;
  /** An image folder (recursive), a list file (one path per line) or one image file. */
  images: string;
  /** Output folder (created if missing). */
  out: string;
  method: AttributionMethod;
  /** What to explain: a `--target` spelling (target.ts) or a target. Default 'pred'. */
  target?: string | AttributionTarget;
  /** Class targets: 'logit' (default) or 'probability'. */
  quantity?: ScoreQuantity;
  /** Most inputs per model run. Default 64. */
  maxBatch?: number;
  /** Only the first N images (listing order). */
  limit?: number;
  /** Preprocessing overrides over the model card (size, mean, std, …). */
  preprocessing?: PreprocessingOverrides;
  /** Also store each map's signed input gradient as NAME.METHOD.grad.npy, float32 [C, H, W] (input-gradient methods only). */
  raw?: boolean;
}

export interface AttributionProgress {
  phase: 'attribute';
  /** Images done (computed, reused or skipped). */
  done: number;
  total: number;
  /** Images per second computed in this run. */
  rate?: number;
  etaSeconds?: number;
  skipped: number;
}

export interface AttributionRunHooks {
  onProgress?: (progress: AttributionProgress) => void;
  /** One line per image that could not be read (it is listed in attribution.json and skipped). */
  onWarning?: (message: string) => void;
}

/**
 * A map's method options as stored: the keys its method file declares (each method adds its own to
 * MethodOptions by declaration merging, which the schema generator cannot follow), numbers or strings.
 */
export interface StoredMethodOptions {
  [key: string]: number | string;
}

/** One map of attribution.json. */
export interface AttributionEntry {
  name: string;
  /** Path relative to the collection root (POSIX separators). */
  path: string;
  sha256: string;
  method: AttributionMethod;
  target: Omit<BoundTarget, 'score'> & { spec: string };
  options: StoredMethodOptions;
  passes: number;
  /** Backward passes (gradient methods; absent for forward-only methods). */
  backward?: number;
  /** What the method reports per image (integrated-gradients: attributionSum, scoreDelta, completenessError, completenessRelative). */
  diagnostics?: Record<string, number>;
  /** `grad`: NAME.METHOD.grad.npy, when stored with `raw`. */
  files: { npy: string; png: string; grad?: string };
}

/** attribution.json. */
export interface AttributionFile {
  format: 'neurolens-attribution';
  formatVersion: 1;
  protocol: Record<string, unknown>;
  entries: AttributionEntry[];
  skipped: { path: string; reason: string }[];
}

export interface AttributionRunResult {
  out: string;
  /** attribution.json's path. */
  json: string;
  /** Every .npy (maps, then gradients with `raw`) and .png of this run's images (computed or reused), then attribution.json. */
  files: string[];
  /** Maps computed in this run. */
  computed: number;
  /** Maps reused from an earlier run into OUT. */
  reused: number;
  skipped: number;
  /** Forward passes of this run. */
  passes: number;
  seconds: number;
}

/**
 * File stems of relative image paths: leading `../` segments dropped (a list file beside the output
 * names images above it; the stem must not start with a dot, i.e. be a hidden file), extension
 * dropped, unsafe characters → _, repeats -2, -3, ….
 */
export function imageNames(relPaths: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return relPaths.map((rel) => {
    const inside = rel.replace(/^(\.\.\/)+/, '');
    let stem = inside.slice(0, inside.length - extname(inside).length).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
    if (stem === '' || stem === '.' || stem === '..') stem = 'image';
    const count = (seen.get(stem) ?? 0) + 1;
    seen.set(stem, count);
    return count === 1 ? stem : `${stem}-${count}`;
  });
}

const CONVENTIONS = {
  maps: 'NAME.METHOD.npy: float32 [H, W] in model-input pixels, row-major; larger = more important for the target',
  overlay: 'NAME.METHOD.png: the image as the model sees it, the map min–max normalised through the turbo colour map at alpha 0.5, colour bar labelled with the map min and max',
  passes: 'forward passes per map, the clean pass included (gradient-only methods take the target value from their gradient pass and run none)',
};

export async function runAttribution(options: AttributionRunOptions, hooks: AttributionRunHooks = {}): Promise<AttributionRunResult> {
  return withRunLock(options.out, 'attribute', async () => (await attributeImages(options, hooks)).result, { create: true });
}

/** A contiguous share of the listed images, written into a folder of its own (a shard, see shards.ts). */
export interface AttributionShare {
  dir: string;
  /** The images `[first, end)` of `count` listed. */
  range: (count: number) => [number, number];
}

/** What shards must agree on to be merged: the maps' protocol and how they were made. */
export interface AttributionSettings {
  protocol: Record<string, unknown>;
  method: AttributionMethod;
  target: string;
  quantity: ScoreQuantity;
  options: Record<string, unknown>;
  raw: boolean;
  /** Images listed (after --limit). */
  images: number;
}

/** Sorts attribution.json's entries: by name, then method. */
export function sortEntries(entries: Iterable<AttributionEntry>): AttributionEntry[] {
  return [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.method < b.method ? -1 : a.method > b.method ? 1 : 0));
}

/**
 * Attributes the images (all, or a share's range, named as in the whole list) into OUT (or the
 * share's folder); the caller holds that folder's lock.
 */
export async function attributeImages(
  options: AttributionRunOptions,
  hooks: AttributionRunHooks,
  share?: AttributionShare,
): Promise<{ result: AttributionRunResult; settings: AttributionSettings; range: [number, number] }> {
  const started = performance.now();
  const size = options.preprocessing?.size;
  const inputSize: [number, number] | undefined = size === undefined ? undefined : typeof size === 'number' ? [size, size] : [size[0], size[1]];
  const opened = await openModel(options.model, inputSize ? { inputSize } : {});
  const model = attributorModel(opened, options.preprocessing);
  const prep = model.preprocessing;
  const target = typeof options.target === 'object' ? options.target : parseTarget(options.target ?? 'pred', model.classNames);
  const quantity = options.quantity ?? 'logit';
  const { threads, executionProvider, graphOptimization, maxBatch } = options;
  const attributor = makeAttributor(model, { threads, executionProvider, graphOptimization, maxBatch }, options.model);
  try {
    // Everything is checked before the first image runs, so a typo fails at once.
    if (options.raw) checkRawMethod(options.method);
    const { effective } = attributor.prepare(options.method, target, options);
    const listed = await listImages(options.images);
    const entries = options.limit === undefined ? listed : listed.slice(0, options.limit);
    const names = imageNames(entries.map((e) => e.relPath));
    const [first, end] = share ? share.range(entries.length) : [0, entries.length];
    const out = resolve(share ? share.dir : options.out);
    await mkdir(out, { recursive: true });
    const jsonPath = join(out, 'attribution.json');
    const protocol = { tool: 'neurolens attribute', model: { file: basename(opened.loaded.path), sha256: opened.sha256 }, preprocessing: prep, ...CONVENTIONS };
    const previous = await readPrevious(jsonPath, protocol);
    const byKey = new Map(previous.map((e) => [`${e.name}\u0000${e.method}`, e]));
    const skipped: AttributionFile['skipped'] = [];
    const files: string[] = [];
    let computed = 0;
    let reused = 0;
    let passes = 0;
    let lastWrite = 0;
    const flush = async (force: boolean) => {
      if (!force && performance.now() - lastWrite < 1000) return;
      await writeJsonAtomic(jsonPath, { format: 'neurolens-attribution', formatVersion: 1, protocol, entries: sortEntries(byKey.values()), skipped } satisfies AttributionFile);
      lastWrite = performance.now();
    };
    const spec = formatTarget(target);
    const total = end - first;
    for (let i = first; i < end; i++) {
      const entry = entries[i]!;
      const name = names[i]!;
      const file: AttributionEntry['files'] = { npy: `${name}.${options.method}.npy`, png: `${name}.${options.method}.png` };
      const grad = `${name}.${options.method}.grad.npy`;
      let decoded;
      try {
        decoded = await decodeImage(entry.path, prep, { displayPath: entry.relPath });
      } catch (error) {
        if (!(error instanceof NeurolensError) || error.kind !== 'input') throw error;
        skipped.push({ path: entry.relPath, reason: error.message });
        hooks.onWarning?.(attributionMessages.imageSkipped(entry.relPath, error.message));
        report(hooks, i + 1 - first, total, computed, skipped.length, started);
        continue;
      }
      const key = `${name}\u0000${options.method}`;
      const old = byKey.get(key);
      const same =
        old && old.path === entry.relPath && old.sha256 === decoded.sha256 && old.target.spec === spec && old.target.quantity === (old.target.cls === undefined ? 'activation' : quantity) &&
        stableJson(old.options) === stableJson(effective) && existsSync(join(out, file.npy)) && existsSync(join(out, file.png)) &&
        (!options.raw || (old.files.grad === grad && existsSync(join(out, grad))));
      if (same) {
        reused++;
        if (old.files.grad) file.grad = old.files.grad;
      } else {
        const result = await attributor.attribute(decoded.data, options.method, target, { ...options, quantity });
        passes += result.passes;
        await writeMapFiles(out, file, grad, result, options.raw === true, entry.path, prep);
        byKey.set(key, {
          name,
          path: entry.relPath,
          sha256: decoded.sha256,
          method: options.method,
          target: { spec, ...result.target },
          options: result.options as StoredMethodOptions,
          passes: result.passes,
          ...(result.backward > 0 ? { backward: result.backward } : {}),
          ...(result.diagnostics ? { diagnostics: { ...result.diagnostics } } : {}),
          files: file,
        });
        computed++;
        await flush(false);
      }
      files.push(join(out, file.npy), join(out, file.png), ...(file.grad ? [join(out, file.grad)] : []));
      report(hooks, i + 1 - first, total, computed, skipped.length, started);
    }
    await flush(true);
    files.push(jsonPath);
    const settings: AttributionSettings = { protocol, method: options.method, target: spec, quantity, options: { ...effective }, raw: options.raw === true, images: entries.length };
    return {
      result: { out, json: jsonPath, files, computed, reused, skipped: skipped.length, passes, seconds: (performance.now() - started) / 1000 },
      settings,
      range: [first, end],
    };
  } finally {
    await attributor.close();
  }
}

/**
 * Writes a computed map's .npy and .png, and with `raw` its input gradient (setting `file.grad`).
 * Without it, a gradient left from an earlier map of this name is removed: it would not match.
 */
async function writeMapFiles(out: string, file: AttributionEntry['files'], grad: string, result: AttributionResult, raw: boolean, imagePath: string, prep: Preprocessing): Promise<void> {
  await writeNpy(join(out, file.npy), result.map.data, [result.map.height, result.map.width]);
  if (raw && result.inputGradient) {
    await writeNpy(join(out, grad), result.inputGradient, [prep.channels, prep.height, prep.width]);
    file.grad = grad;
  } else await rm(join(out, grad), { force: true });
  const pixels = await modelPixels(imagePath, prep);
  await writeFileAtomic(join(out, file.png), await renderOverlay(pixels, result.map));
}

function report(hooks: AttributionRunHooks, done: number, total: number, computed: number, skipped: number, started: number): void {
  if (!hooks.onProgress) return;
  const seconds = (performance.now() - started) / 1000;
  const rate = computed > 0 && seconds > 0 ? computed / seconds : undefined;
  hooks.onProgress({ phase: 'attribute', done, total, skipped, ...(rate ? { rate, etaSeconds: (total - done) / rate } : {}) });
}

/**
 * The entries of an earlier run into OUT; refuses an OUT of another model or preprocessing, or one
 * holding another file under this name. Files written before the format tag existed have none.
 */
export async function readPrevious(path: string, protocol: Record<string, unknown>): Promise<AttributionEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  let file: Partial<AttributionFile>;
  try {
    file = JSON.parse(text) as Partial<AttributionFile>;
  } catch {
    throw new NeurolensError('conflict', attributionMessages.otherModel(resolve(path, '..'), path));
  }
  const tagged = file?.format === undefined || (file.format === 'neurolens-attribution' && file.formatVersion === 1);
  if (!tagged || stableJson(file.protocol) !== stableJson(protocol) || !Array.isArray(file.entries)) {
    throw new NeurolensError('conflict', attributionMessages.otherModel(resolve(path, '..'), path));
  }
  return file.entries;
}
