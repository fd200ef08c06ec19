/**
 * `neurolens visualize`: feature visualisation by optimisation into a recorded RUN. For every
 * chosen layer and neuron it optimises an image (./optimise.ts) that maximises the neuron's mean
 * activation over positions, writes it as RUN/visualize/<layer>/<neuron>.png, and checks it: the
 * 8-bit PNG as saved must drive its neuron at least as high as the neuron's best dataset image in
 * the same pooling (./check.ts). Per layer, RUN/visualize/<layer>/visualize.json lists every
 * neuron's numbers, the share passing and the neurons that did not.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { NeurolensError } from '../errors.js';
import { GradientModel } from '../grad/model.js';
import { visualizeMessages } from '../messages/visualize.js';
import { loadModel } from '../onnx/load.js';
import type { ModelProto } from '../onnx/types.js';
import { layerFileStem } from '../record/layout.js';
import type { LayerRecord } from '../record/types.js';
import { openRun } from '../run/open.js';
import type { OpenRun } from '../run/types.js';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic.js';
import { withRunLock } from '../store/lock.js';
import type { TensorLike } from '../runtime/types.js';
import { bestImages } from './check.js';
import { diversityLoss, rowMatrix } from './diversity.js';
import { redirectedRelu } from './redirected-relu.js';
import { measure, optimiseBatch, quantise, type BatchContext, type OptimiseSettings } from './optimise.js';
import type { VisualizedNeuron, VisualizeHooks, VisualizeLayerFile, VisualizeOptions, VisualizeResult } from './types.js';
import { VISUALIZE_DEFAULTS } from './defaults.js';

export { VISUALIZE_DEFAULTS } from './defaults.js';

/** The default jitter: 1/32 of the image's longer side, at least one pixel. */
export function defaultJitter(height: number, width: number): number {
  return Math.max(1, Math.round(Math.max(height, width) / 32));
}

function checkOptions(o: VisualizeOptions): void {
  const bad = (message: string) => new NeurolensError('usage', message);
  const integers: [string, number | undefined, number][] = [['--steps', o.steps, 1], ['--batch', o.batch, 1], ['--seed', o.seed, 0], ['--threads', o.threads, 1], ['--diversity', o.diversity, 1]];
  for (const [name, value, min] of integers) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= min)) throw bad(visualizeMessages.badInteger(name, value, min));
  }
  if (o.rate !== undefined && !(Number.isFinite(o.rate) && o.rate > 0)) throw bad(visualizeMessages.badNumber('--rate', o.rate, 'a number > 0'));
  if (o.jitter !== undefined && !(Number.isFinite(o.jitter) && o.jitter >= 0)) throw bad(visualizeMessages.badNumber('--jitter', o.jitter, 'a number ≥ 0'));
  if (o.rotate !== undefined && !(Number.isFinite(o.rotate) && o.rotate >= 0 && o.rotate <= 180)) throw bad(visualizeMessages.badNumber('--rotate', o.rotate, 'a number of degrees in [0, 180]'));
  if (o.scale !== undefined && !(Number.isFinite(o.scale) && o.scale >= 0 && o.scale < 1)) throw bad(visualizeMessages.badNumber('--scale', o.scale, 'a number in [0, 1)'));
  if (o.diversityWeight !== undefined && !(Number.isFinite(o.diversityWeight) && o.diversityWeight >= 0)) throw bad(visualizeMessages.badNumber('--diversity-weight', o.diversityWeight, 'a number ≥ 0'));
  if (o.neurons !== undefined) {
    if (o.neurons.length === 0) throw bad(visualizeMessages.noNeurons());
    for (const n of o.neurons) if (!(Number.isSafeInteger(n) && n >= 0)) throw bad(visualizeMessages.badInteger('--neurons', n, 0));
  }
}

/** Optimises, saves and checks the visualisations; see the module comment. */
export async function visualize(options: VisualizeOptions, hooks: VisualizeHooks = {}): Promise<VisualizeResult> {
  // Before the lock, so a bad argument is reported as such and not as a lock to take.
  checkOptions(options);
  return withRunLock(options.run, 'visualize', () => visualizeLocked(options, hooks));
}

/** What every neuron of a visualisation shares: the opened run, its model and the settings. */
export interface VisualizeSession {
  run: OpenRun;
  model: ModelProto;
  inputName: string;
  settings: OptimiseSettings;
  /** Images per neuron (--diversity). */
  k: number;
  /** The settings each layer's visualize.json lists. */
  fileSettings: VisualizeLayerFile['settings'];
}

/** One unit of work: a neuron of a layer, in the order visualize processes them. */
export interface VisualizeUnit {
  layer: LayerRecord;
  neuron: number;
}

/** Opens the run and the model and settles the settings (no lock: the caller holds what it needs). */
export async function openVisualize(options: VisualizeOptions): Promise<VisualizeSession> {
  checkOptions(options);
  const run = await openRun(options.run, { layers: options.layers ?? 'all', poolings: ['mean'], model: options.model });
  const prep = run.manifest.preprocessing;
  if (prep.channels !== 1 && prep.channels !== 3) throw new NeurolensError('input', visualizeMessages.notImage(prep.channels));
  for (const layer of run.layers) {
    for (const n of options.neurons ?? []) if (n >= layer.channels) throw new NeurolensError('usage', visualizeMessages.neuronOutOfRange(n, layer.id, layer.channels));
  }
  const { model } = await loadModel(options.model);
  const weights = new Set((model.graph?.initializer ?? []).map((t) => t.name));
  const inputName = (model.graph?.input ?? []).find((v) => !weights.has(v.name))!.name!;
  const k = options.diversity ?? 1;
  const scale = options.scale ?? VISUALIZE_DEFAULTS.scale;
  const settings: OptimiseSettings = {
    steps: options.steps ?? VISUALIZE_DEFAULTS.steps,
    rate: options.rate ?? VISUALIZE_DEFAULTS.rate,
    seed: options.seed ?? VISUALIZE_DEFAULTS.seed,
    initStd: VISUALIZE_DEFAULTS.initStd,
    diversityWeight: k > 1 ? (options.diversityWeight ?? VISUALIZE_DEFAULTS.diversityWeight) : 0,
    robustness: { jitter: options.jitter ?? defaultJitter(prep.height, prep.width), scale: [1 - scale, 1 + scale], rotate: options.rotate ?? VISUALIZE_DEFAULTS.rotate },
  };
  const { jitter, rotate } = settings.robustness;
  const fileSettings: VisualizeLayerFile['settings'] = {
    steps: settings.steps,
    rate: settings.rate,
    seed: settings.seed,
    jitter,
    rotate,
    scale,
    // Written only with the term on, so a run without it keeps its former bytes.
    ...(k > 1 ? { diversity: k, diversityWeight: settings.diversityWeight! } : {}),
  };
  return { run, model, inputName, settings, k, fileSettings };
}

/** The neurons of every chosen layer, layer by layer, in the order visualize processes them. */
export function visualizeUnits(session: VisualizeSession, options: VisualizeOptions): VisualizeUnit[] {
  return session.run.layers.flatMap((layer) => (options.neurons ?? Array.from({ length: layer.channels }, (_, i) => i)).map((neuron) => ({ layer, neuron })));
}

/** The folder of a layer's visualisations, relative to the run. */
export function layerFolder(layer: string): string {
  return join('visualize', layerFileStem(layer));
}

async function visualizeLocked(options: VisualizeOptions, hooks: VisualizeHooks): Promise<VisualizeResult> {
  const started = performance.now();
  const session = await openVisualize(options);
  const units = visualizeUnits(session, options);
  const layers: VisualizeLayerFile[] = [];
  const files: string[] = [];
  let done = 0;
  const onSaved = async () => hooks.onNeuron?.(++done, units.length);
  for (const layer of session.run.layers) {
    const layerStarted = performance.now();
    const neurons = units.filter((u) => u.layer === layer).map((u) => u.neuron);
    hooks.onStep?.(visualizeMessages.layerStart(layer.id, neurons.length, session.settings.steps));
    const saved = await visualizeNeurons(session, layer, neurons, session.run.dir, options, hooks, onSaved);
    const file = layerFile(layer, session.fileSettings, saved.entries);
    const json = join(layerFolder(layer.id), 'visualize.json');
    await writeJsonAtomic(join(session.run.dir, json), file);
    layers.push(file);
    files.push(...saved.files, json);
    hooks.onStep?.(visualizeMessages.layerDone(layer.id, file.passed, file.neurons.length, (performance.now() - layerStarted) / 1000));
  }
  const passed = layers.reduce((a, l) => a + l.passed, 0);
  const total = layers.reduce((a, l) => a + l.neurons.length, 0);
  return { layers, files, passed, total, seconds: (performance.now() - started) / 1000 };
}

/**
 * Optimises, saves (under `root`, at their run-relative paths) and checks the visualisations of
 * `neurons` of `layer`; `onSaved` hears of each neuron once its PNGs are written.
 */
export async function visualizeNeurons(
  session: VisualizeSession,
  layer: LayerRecord,
  neurons: readonly number[],
  root: string,
  options: Pick<VisualizeOptions, 'threads' | 'executionProvider' | 'batch'>,
  hooks: VisualizeHooks,
  onSaved?: (entry: VisualizedNeuron) => Promise<void>,
): Promise<{ entries: VisualizedNeuron[]; files: string[] }> {
  const { run, model, inputName, settings, k } = session;
  const prep = run.manifest.preprocessing;
  const best = await bestImages(run, layer);
  const folder = layerFolder(layer.id);
  const sessionOptions = { ...(options.threads ? { threads: options.threads } : {}), executionProvider: options.executionProvider, inputSize: [prep.height, prep.width] as [number, number] };
  const spec = { targets: [{ tensor: layer.tensor }], wrt: [inputName] };
  const gradients = await GradientModel.create(model, spec, sessionOptions);
  const redirected = await GradientModel.create(model, { ...spec, rules: { Relu: redirectedRelu.vjp } }, sessionOptions).catch(async (error: unknown) => {
    await gradients.close();
    throw error;
  });
  const entries: VisualizedNeuron[] = [];
  const files: string[] = [];
  // A neuron's k copies share one batch (the diversity term compares them), so a batch holds
  // ⌊batch / k⌋ neurons, at least one.
  const batch = Math.max(1, Math.floor((options.batch ?? VISUALIZE_DEFAULTS.batch) / k));
  const total = neurons.length * k * settings.steps;
  try {
    // After the sessions open, so a device that cannot start leaves no empty folder behind.
    await mkdir(join(root, folder), { recursive: true });
    for (let start = 0; start < neurons.length; start += batch) {
      const group = neurons.slice(start, start + batch);
      const channels = group.flatMap((n) => Array<number>(k).fill(n));
      const copies = group.flatMap(() => Array.from({ length: k }, (_, i) => i));
      const ctx: BatchContext = {
        model: gradients,
        redirected,
        inputName,
        layer,
        prep,
        onStep: (step) => hooks.onProgress?.({ layer: layer.id, done: start * k * settings.steps + step * channels.length, total }),
      };
      const images = (await optimiseBatch(ctx, channels, settings, k > 1 ? copies : undefined)).map((img) => quantise(img, prep.channels));
      const measured = await measure(ctx, channels, images.map((q) => q.planar));
      for (const [g, neuron] of group.entries()) {
        const rows = Array.from({ length: k }, (_, i) => g * k + i);
        const saved = await saveNeuron(run, root, folder, layer, neuron, rows, images, measured, best);
        await onSaved?.(saved.entry);
        entries.push(saved.entry);
        files.push(...saved.files);
      }
    }
  } finally {
    await gradients.close();
    await redirected.close();
  }
  return { entries, files };
}

/** A layer's visualize.json. */
export function layerFile(layer: Pick<LayerRecord, 'id' | 'tensor'>, settings: VisualizeLayerFile['settings'], entries: VisualizedNeuron[]): VisualizeLayerFile {
  const passed = entries.filter((e) => e.pass).length;
  return {
    format: 'neurolens-visualize',
    formatVersion: 1,
    layer: layer.id,
    tensor: layer.tensor,
    pooling: 'mean',
    settings,
    neurons: entries,
    passed,
    share: entries.length === 0 ? 0 : passed / entries.length,
    failed: entries.filter((e) => !e.pass).map((e) => e.neuron),
  };
}

/**
 * Writes one neuron's PNGs (copy 0 as C.png, copy i as C.i.png) and its entry: each image's
 * activation on the saved 8-bit PNG against the best dataset image, and with copies their Gram
 * similarity on the saved PNGs.
 */
async function saveNeuron(
  run: OpenRun,
  root: string,
  folder: string,
  layer: LayerRecord,
  neuron: number,
  rows: readonly number[],
  images: readonly { bytes: Uint8Array }[],
  measured: { objectives: Float64Array; values: TensorLike },
  best: { value: ArrayLike<number>; index: ArrayLike<number> },
): Promise<{ entry: VisualizedNeuron; files: string[] }> {
  const prep = run.manifest.preprocessing;
  const reference = Math.fround(best.value[neuron]!);
  const index = best.index[neuron]!;
  const files: string[] = [];
  const shots = [];
  for (const [i, r] of rows.entries()) {
    const path = join(folder, i === 0 ? `${neuron}.png` : `${neuron}.${i}.png`);
    const png = await sharp(images[r]!.bytes, { raw: { width: prep.width, height: prep.height, channels: prep.channels } }).png({ compressionLevel: 9 }).toBuffer();
    await writeFileAtomic(join(root, path), png);
    files.push(path);
    const activation = Math.fround(measured.objectives[r]!);
    shots.push({ image: path, activation, pass: activation >= reference });
  }
  const [first, ...others] = shots;
  const entry: VisualizedNeuron = { neuron, image: first!.image, activation: first!.activation, best: { index, path: run.images[index]?.path ?? '', activation: reference }, pass: first!.pass };
  if (others.length > 0) {
    const dims = measured.values.dims as number[];
    const data = measured.values.data as Float32Array;
    entry.diversity = { images: others, gramCosine: diversityLoss(rows.map((r) => rowMatrix(data, dims, layer.layout, r))).loss };
  }
  return { entry, files };
}
