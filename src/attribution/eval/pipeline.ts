/**
 * `neurolens attribute eval` as a library call: for each image, the maps of the requested methods
 * (computed by one Attributor, or read from an `attribute` output folder), their perturbation
 * curves and areas, the random-map baseline, optionally the cascading-randomisation sanity check;
 * then aggregates, eval.json (deterministic), eval.md and one curve chart per method.
 */
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { NeurolensError, isNeurolensError } from '../../errors.js';
import { listImages } from '../../images/index.js';
import { attributionEvalMessages as msg } from '../../messages/attribution-eval.js';
import { openModel } from '../../model/open.js';
import { stableJson, writeFileAtomic } from '../../store/atomic.js';
import { fillBaseline } from '../fill.js';
import { attributorModel, createAttributor } from '../attributor.js';
import { formatTarget, parseTarget } from '../target.js';
import type { Attributor, AttributorModel, AttributorOptions, AttributionTarget, BoundTarget } from '../types.js';
import { renderPng, chartSpec } from './chart.js';
import { CurveEvaluator } from './evaluate.js';
import { openMapSource, type MapSource } from './maps.js';
import { unitGrid } from './order.js';
import { buildProtocol } from './protocol.js';
import { randomBaseline, randomCurveKinds, randomMap, randomMapSeed } from './random-maps.js';
import { cascadeSteps, parameterisedLayers } from './randomise.js';
import { aggregateMethod, formatMarkdown, roundAggregate, roundImage, type RandomCurves } from './report.js';
import { SmoothMatcher, smoothMapSeed, smoothRandomMap } from './smooth-random.js';
import { runSanity } from './sanity.js';
import { resolveSettings, type EvalSettings } from './settings.js';
import type { EvalAttributionsOptions, EvalHooks, EvalResult, ImageEvaluation, MapEvaluation } from './types.js';
import { withRunLock } from '../../store/lock.js';

/** What evaluateAttributions returns: the result as written and the files it wrote. */
export interface EvalOutput {
  result: EvalResult;
  /** eval.json, eval.md and the chart PNGs, in that order. */
  files: string[];
}

/** Builds an Attributor for a model (tests may pass their own). */
export type AttributorFactory = (model: AttributorModel, options: AttributorOptions) => Promise<Attributor>;

/** Per image, what the sanity check needs from the main pass. */
interface Kept {
  file: string;
  target: AttributionTarget;
  maps: Float32Array[];
}

/** Opens the model as an AttributorModel (catalogue + preprocessing from its card) and its sha256. */
export async function loadAttributorModel(modelPath: string): Promise<{ model: AttributorModel; sha256: string }> {
  const opened = await openModel(modelPath);
  return { model: attributorModel(opened), sha256: opened.sha256 };
}

export async function evaluateAttributions(options: EvalAttributionsOptions, hooks: EvalHooks = {}, factory: AttributorFactory = createAttributor): Promise<EvalOutput> {
  return withRunLock(options.out, 'attribute eval', async () => {
    const prepared = await prepareEval(options);
    const evaluated: EvaluatedImage[] = [];
    const all = prepared.entries.map((_, i) => i);
    await evaluateImages(prepared, factory, all, hooks, async (image) => void evaluated.push(image));
    return finishEval(prepared, factory, evaluated, hooks);
  }, { create: true });
}

/** Everything settled before the first image: settings, model, target, images, map source. */
export interface PreparedEval {
  options: EvalAttributionsOptions;
  settings: EvalSettings;
  model: AttributorModel;
  sha256: string;
  target: AttributionTarget;
  /** Parameterised layers of the sanity check (empty without it). */
  layers: ReturnType<typeof parameterisedLayers>;
  entries: Awaited<ReturnType<typeof listImages>>;
  maps: MapSource | undefined;
  attributorOptions: AttributorOptions;
  mapOptions: Record<string, unknown>;
}

/** Checks the options and opens what the evaluation reads (a typo fails before any image runs). */
export async function prepareEval(options: EvalAttributionsOptions): Promise<PreparedEval> {
  const settings = resolveSettings(options);
  const { model, sha256 } = await loadAttributorModel(options.model);
  const target = typeof options.target === 'string' ? parseTarget(options.target, model.classNames) : (options.target ?? { kind: 'pred' });
  const prep = model.preprocessing;
  if (settings.unit > Math.min(prep.height, prep.width)) throw new NeurolensError('usage', msg.badUnit(settings.unit, prep.height, prep.width));
  const layers = settings.sanity ? parameterisedLayers(model.model) : [];
  if (settings.sanity && layers.length === 0) throw new NeurolensError('usage', msg.noParamLayers(options.model));
  let entries = await listImages(options.images);
  if (settings.limit !== undefined) entries = entries.slice(0, settings.limit);
  const maps = options.maps ? await openMapSource(options.maps, prep.height, prep.width) : undefined;
  if (maps && options.maps) {
    if (maps.sha256 !== undefined && maps.sha256 !== sha256) throw new NeurolensError('input', msg.mapsOtherModel(options.maps, options.model));
    const spec = formatTarget(target);
    if (maps.targets.some((t) => t !== spec)) throw new NeurolensError('usage', msg.mapsOtherTarget(options.maps, maps.targets, spec));
  }
  const attributorOptions: AttributorOptions = {};
  if (options.threads !== undefined) attributorOptions.threads = options.threads;
  if (options.maxBatch !== undefined) attributorOptions.maxBatch = options.maxBatch;
  if (options.device !== undefined) attributorOptions.executionProvider = options.device;
  const mapOptions = { ...(options.methodOptions ?? {}), ...(options.mapQuantity ? { quantity: options.mapQuantity } : {}) };
  return { options, settings, model, sha256, target, layers, entries, maps, attributorOptions, mapOptions };
}

/**
 * One image's outcome, in the order of the list: skipped, or its (unrounded) evaluation, the
 * random-map curves the aggregate needs and the method options in effect. What the sanity check
 * needs (`kept`) stays in memory; the rest is plain JSON (shards journal it).
 */
export interface EvaluatedImage {
  index: number;
  skipped?: { path: string; reason: string };
  record?: ImageEvaluation;
  randomCurves?: RandomCurves;
  smoothCurves?: (RandomCurves | undefined)[];
  /** Per method, the options in effect as this image's map reported them (computed maps only). */
  effective?: Record<string, unknown>;
  kept?: Kept;
}

/**
 * Evaluates the images of `indices` (positions in the list), handing each outcome to `onImage` in
 * order. An image's outcome depends on nothing but the settings and the image (its random maps are
 * seeded by its index), so images can be evaluated in any grouping (shards).
 */
export async function evaluateImages(
  prepared: PreparedEval,
  factory: AttributorFactory,
  indices: readonly number[],
  hooks: EvalHooks,
  onImage: (image: EvaluatedImage) => Promise<void>,
): Promise<void> {
  const { settings, model, target, entries, maps, mapOptions } = prepared;
  const prep = model.preprocessing;
  const attributor = await factory(model, prepared.attributorOptions);
  try {
    const geometry = { channels: prep.channels, height: prep.height, width: prep.width, layout: prep.layout };
    const grid = unitGrid(prep.height, prep.width, settings.unit);
    const matcher = new SmoothMatcher(grid);
    const evaluator = new CurveEvaluator(geometry, grid, settings.steps, settings.curves, settings.baselines, (image, kind) => fillBaseline(image, geometry, kind));
    const started = Date.now();
    // Bound targets by resolved target: a BoundTarget scores any inputs (its value depends on the
    // inputs only), so one per class (or neuron/circuit target) serves every image, saving a pass.
    const bounds = new Map<string, BoundTarget>();
    const boundFor = async (image: Float32Array, t: AttributionTarget) => {
      const key = JSON.stringify(t);
      let found = bounds.get(key);
      if (!found) bounds.set(key, (found = await attributor.bind(image, t, settings.quantity)));
      return found;
    };
    // The next image decodes (sharp, libuv threads) while this one is scored.
    const load = (j: number) => (j < indices.length ? attributor.loadImage(entries[indices[j]!]!.path).then((image) => ({ image }), (error: unknown) => ({ error })) : undefined);
    let next = load(0);
    for (let j = 0; j < indices.length; j++) {
      hooks.signal?.throwIfAborted();
      const i = indices[j]!;
      const entry = entries[i]!;
      const loaded = (await next)!;
      next = load(j + 1);
      if ('error' in loaded) {
        const error = loaded.error;
        if (!isNeurolensError(error) || error.kind !== 'input') throw error;
        hooks.onWarning?.(msg.imageSkipped(entry.relPath, error.message));
        await onImage({ index: i, skipped: { path: entry.relPath, reason: error.message } });
        hooks.onProgress?.({ phase: 'attribute eval', done: j + 1, total: indices.length });
        continue;
      }
      const image = loaded.image;
      let fixed: AttributionTarget = target;
      const methodMaps: Float32Array[] = [];
      const effective: Record<string, unknown> = {};
      if (target.kind === 'pred' && maps) {
        // No map computation to resolve 'pred': bind once (this image's class), keep it for reuse.
        const bound = await attributor.bind(image, target, settings.quantity);
        fixed = { kind: 'class', cls: bound.cls! };
        if (!bounds.has(JSON.stringify(fixed))) bounds.set(JSON.stringify(fixed), bound);
      }
      for (const method of settings.methods) {
        if (maps) methodMaps.push(await maps.get(entry.relPath, method));
        else {
          // The first map resolves 'pred'; the other methods explain that class.
          const result = await attributor.attribute(image, method, fixed, mapOptions);
          if (fixed.kind === 'pred') fixed = { kind: 'class', cls: result.target.cls! };
          effective[method] = { ...result.options, ...(result.target.quantity === 'activation' ? {} : { quantity: result.target.quantity }) };
          methodMaps.push(result.map.data);
        }
      }
      const bound = await boundFor(image, fixed);
      const evaluation = await evaluateImage(evaluator, matcher, image, bound, methodMaps, settings, i, prep.height, prep.width);
      const methods: ImageEvaluation['methods'] = {};
      settings.methods.forEach((method, m) => (methods[method] = evaluation.methods[m]!));
      const description = target.kind === 'pred' ? `predicted ${bound.description.replace(/^predicted /, '')}` : bound.description;
      const record: ImageEvaluation = { image: entry.relPath, target: description, clean: evaluation.clean, normalisation: evaluation.normalisation, methods };
      if (bound.cls !== undefined) record.cls = bound.cls;
      await onImage({
        index: i,
        record,
        randomCurves: evaluation.randomCurves,
        smoothCurves: evaluation.smoothCurves,
        ...(maps ? {} : { effective }),
        ...(settings.sanity ? { kept: { file: entry.path, target: fixed, maps: methodMaps } } : {}),
      });
      const seconds = (Date.now() - started) / 1000;
      hooks.onProgress?.({ phase: 'attribute eval', done: j + 1, total: indices.length, rate: seconds > 0 ? (j + 1) / seconds : undefined });
    }
  } finally {
    await attributor.close();
  }
}

/** From the outcomes of every image (in list order): the sanity check, aggregates, and the files. */
export async function finishEval(prepared: PreparedEval, factory: AttributorFactory, evaluated: readonly EvaluatedImage[], hooks: EvalHooks = {}): Promise<EvalOutput> {
  const { options, settings, model, sha256, target, layers, maps, mapOptions } = prepared;
  const prep = model.preprocessing;
  const done = evaluated.filter((e) => e.record !== undefined);
  const images = done.map((e) => e.record!);
  const skipped: EvalResult['skipped'] = evaluated.flatMap((e) => (e.skipped ? [e.skipped] : []));
  /** The options in effect per method (defaults filled in), as the first map reports them. */
  const effective: Record<string, unknown> = {};
  for (const e of done) for (const method of settings.methods) if (e.effective?.[method] !== undefined) effective[method] ??= e.effective[method];
  if (images.length === 0) throw new NeurolensError('input', msg.noImagesLeft(options.images));

  let sanitySteps: number[] = [];
  if (settings.sanity) {
    const kept = done.map((e) => e.kept!);
    sanitySteps = cascadeSteps(layers.length, settings.sanitySteps);
    const started = Date.now();
    const steps = await runSanity({
      model,
      create: (m) => factory(m, prepared.attributorOptions),
      files: kept.map((k) => k.file),
      targets: kept.map((k) => k.target),
      methods: settings.methods,
      original: kept.map((k) => k.maps),
      maxSteps: settings.sanitySteps,
      seed: settings.seed,
      methodOptions: settings.methods.map((method) => (maps ? maps.optionsOf(method) : mapOptions)),
      onProgress: (d, total) => hooks.onProgress?.({ phase: 'sanity', done: d, total, rate: d / Math.max(1e-3, (Date.now() - started) / 1000) }),
    });
    images.forEach((image, i) => settings.methods.forEach((method, m) => (image.methods[method]!.sanity = steps[i]![m]!)));
  }

  const aggregate: EvalResult['aggregate'] = {};
  for (const method of settings.methods) {
    const m = settings.methods.indexOf(method);
    aggregate[method] = roundAggregate(aggregateMethod(images.map((im) => im.methods[method]!), done.map((e) => e.randomCurves!), done.map((e) => e.smoothCurves![m])));
  }
  const grid = unitGrid(prep.height, prep.width, settings.unit);
  const protocol = buildProtocol({
    curves: settings.curves,
    steps: settings.steps,
    unit: settings.unit,
    units: grid.count,
    grid: [Math.ceil(prep.height / settings.unit), Math.ceil(prep.width / settings.unit)],
    baselines: settings.baselines,
    quantity: settings.quantity,
    target: formatTarget(target),
    randomMaps: settings.randomMaps,
    smoothGrids: new SmoothMatcher(grid).references,
    seed: settings.seed,
    maps: options.maps ? `read from ${basename(options.maps)}/ (attribution.json index, NAME.METHOD.npy)` : 'computed with Attributor.attribute (the target fixed per image, pred → the predicted class)',
    methodOptions: maps ? Object.fromEntries(settings.methods.map((m) => [m, maps.optionsOf(m)])) : effective,
    sanity: settings.sanity ? { maxSteps: settings.sanitySteps, layers: layers.length, steps: sanitySteps } : null,
  });
  const result: EvalResult = { format: 'neurolens-attribution-eval', formatVersion: 1, protocol, model: { file: basename(options.model), sha256 }, methods: settings.methods, images: images.map(roundImage), aggregate, skipped };
  return { result, files: await writeOutputs(options, result) };
}

/**
 * Curves of one image for every method map plus the random maps: the scattered ones, and the
 * smoothness-matched ones of every grid this image's maps were matched to (a grid's maps serve every
 * method matched to it).
 */
async function evaluateImage(evaluator: CurveEvaluator, matcher: SmoothMatcher, image: Float32Array, bound: BoundTarget, methodMaps: Float32Array[], s: EvalSettings, index: number, height: number, width: number) {
  const R = s.randomMaps;
  const randoms = Array.from({ length: R }, (_, r) => randomMap(height * width, randomMapSeed(s.seed, index, r)));
  const matches = R > 0 ? methodMaps.map((m) => matcher.match(m)) : [];
  const grids = [...new Set(matches.flatMap((m) => (m ? [m.k] : [])))].sort((a, b) => a - b);
  const smooth = grids.flatMap((k) => Array.from({ length: R }, (_, r) => smoothRandomMap(height, width, k, smoothMapSeed(s.seed, index, r, k))));
  const randomKinds = randomCurveKinds(s.curves);
  const M = methodMaps.length;
  const curves = await evaluator.evaluate(image, bound, [...methodMaps, ...randoms, ...smooth], (m) => (m < M ? s.curves : randomKinds));
  const scattered = R > 0 ? randomBaseline(curves.maps.slice(M, M + R), s.curves) : undefined;
  const smoothBaselines = new Map(grids.map((k, g) => [k, randomBaseline(curves.maps.slice(M + R * (g + 1), M + R * (g + 2)), s.curves)]));
  const methods = methodMaps.map((_, m): MapEvaluation => {
    const c = curves.maps[m]!;
    const evaluation: MapEvaluation = { curves: c.curves, areas: c.areas };
    if (c.areas.morf && c.areas.lerf) evaluation.abpc = c.areas.lerf.auc - c.areas.morf.auc;
    if (scattered) evaluation.random = scattered.areas;
    const match = matches[m];
    if (match) evaluation.smoothRandom = { grid: match.k, autocorrelation: match.autocorrelation, areas: smoothBaselines.get(match.k)!.areas };
    return evaluation;
  });
  // Each method's smooth random mean curves (its grid's): kept for the aggregate chart, not per image.
  const smoothCurves = matches.map((match) => (match ? smoothBaselines.get(match.k)!.curves : undefined));
  return { clean: curves.clean, normalisation: curves.normalisation, methods, randomCurves: scattered?.curves ?? {}, smoothCurves };
}

async function writeOutputs(options: EvalAttributionsOptions, result: EvalResult): Promise<string[]> {
  await mkdir(options.out, { recursive: true });
  const json = join(options.out, 'eval.json');
  await writeFileAtomic(json, stableJson(result));
  const charts: string[] = [];
  if (!options.noCharts) {
    for (const method of result.methods) {
      const name = `curves.${method}.png`;
      await writeFileAtomic(join(options.out, name), await renderPng(chartSpec(method, result.aggregate[method]!, result.images.length)));
      charts.push(name);
    }
  }
  const md = join(options.out, 'eval.md');
  await writeFileAtomic(md, formatMarkdown(result, charts));
  return [json, md, ...charts.map((c) => join(options.out, c))];
}

export type { MapSource };
