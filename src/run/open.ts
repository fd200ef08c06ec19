/**
 * `openRun`: the one reader of a recorded RUN. It validates the manifest against its schema, then
 * checks what the analysis says it needs (layers by id or tensor name, poolings, the images table,
 * every needed artefact's `.npy` header, non-finite activations, the model's hash) before any
 * analysis work starts, so a damaged run fails at once with one line naming the file and the fix.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NeurolensError } from '../errors.js';
import { runMessages } from '../messages/run.js';
import { layerFileStem, RunLayout } from '../record/layout.js';
import type { RunImageRow } from '../record/read-run.js';
import { STATS_COLUMNS } from '../record/stats.js';
import type { ArtifactRecord, LayerRecord, Pooling, RunManifest } from '../record/types.js';
import { sha256 } from '../store/hash.js';
import { NpyReader, readNpy } from '../store/npy.js';
import { checkNpy, countNonFinite, type Expected } from './artifacts.js';
import { readImagesTable } from './images.js';
import { readManifest } from './manifest.js';
import { recordCommand } from './rebuild.js';
import type { OpenRun, RunNeeds } from './types.js';

/** Recorded layers named by `names` (ids or tensor names), in manifest order. */
function pickLayers(manifest: RunManifest, names: RunNeeds['layers'], option: string): LayerRecord[] {
  if (names === undefined || names === 'all') return manifest.layers;
  if (names === 'default') {
    const defaults = manifest.layers.filter((l) => l.isDefault);
    return defaults.length > 0 ? defaults : manifest.layers;
  }
  if (names.length === 0) throw new NeurolensError('usage', runMessages.noLayers(option));
  const unknown = names.filter((n) => !manifest.layers.some((l) => l.id === n || l.tensor === n));
  if (unknown.length > 0) throw new NeurolensError('usage', runMessages.unknownLayers(option, unknown, manifest.layers.map((l) => l.id)));
  return manifest.layers.filter((l) => names.some((n) => n === l.id || n === l.tensor));
}

class RunView implements OpenRun {
  readonly layout: RunLayout;
  readonly rebuild: string;
  images: readonly RunImageRow[] = [];
  layers: readonly LayerRecord[] = [];
  /** Activation files already checked (header and non-finite values). */
  private readonly checked = new Set<string>();

  constructor(
    readonly dir: string,
    readonly shown: string,
    readonly manifest: RunManifest,
    private readonly needs: RunNeeds,
  ) {
    this.layout = new RunLayout(dir);
    this.rebuild = recordCommand(manifest, shown);
  }

  /** A run file as the user would type it (the run as named + the path inside it). */
  shownPath(path: string): string {
    return join(this.shown, this.layout.relative(path));
  }

  /** The manifest's record of an artefact, or what it must be when the manifest lists none. */
  expected(role: ArtifactRecord['role'], layer: LayerRecord | undefined, pooling: Pooling | undefined, fallback: Expected): Expected {
    const found = this.manifest.artifacts.find((a) => a.role === role && a.layer === layer?.id && a.pooling === pooling);
    return found ?? fallback;
  }

  layer(name: string, option = this.needs.layersOption ?? '--layers'): LayerRecord {
    return pickLayers(this.manifest, [name], option)[0]!;
  }

  pooling(requested?: Pooling, preference: readonly Pooling[] = ['mean', 'max', 'top10']): Pooling {
    const recorded = this.manifest.poolings;
    if (requested === undefined) return preference.find((p) => recorded.includes(p)) ?? recorded[0]!;
    if (!recorded.includes(requested)) {
      const option = this.needs.poolingOption;
      throw new NeurolensError(option ? 'usage' : 'input', runMessages.poolingMissing(this.shown, requested, recorded, option));
    }
    return requested;
  }

  /** Checks a layer's activation file: header vs manifest, then its non-finite values. */
  async checkActivations(layer: LayerRecord, pooling: Pooling): Promise<string> {
    const path = this.layout.activations(layer.id, pooling);
    if (this.checked.has(path)) return path;
    const shown = this.shownPath(path);
    const fallback = { dtype: '<f4', shape: [this.manifest.images.count, layer.channels] };
    await checkNpy(path, shown, this.expected('activations', layer, pooling, fallback), this.rebuild);
    const count = layer.nonFinite?.[pooling] ?? (await countNonFinite(path));
    if (count > 0) throw new NeurolensError('input', runMessages.nonFinite(shown, layer.id, pooling, count, this.nonFiniteFix(layer)));
    this.checked.add(path);
    return path;
  }

  private nonFiniteFix(layer: LayerRecord): string {
    const others = this.layers.filter((l) => l.id !== layer.id);
    const option = this.needs.layersOption === undefined ? '--layers' : this.needs.layersOption;
    if (option !== null) return runMessages.nonFiniteLeaveOut(option, others.map((l) => l.id));
    const kept = this.manifest.layers.filter((l) => l.id !== layer.id);
    return runMessages.nonFiniteRerecord(recordCommand(this.manifest, `${this.shown}-without-${layerFileStem(layer.id)}`, kept));
  }

  async activations(layer: LayerRecord, pooling: Pooling): Promise<NpyReader> {
    return NpyReader.open(await this.checkActivations(layer, pooling));
  }

  async readActivations(layer: LayerRecord, pooling: Pooling): Promise<Float32Array> {
    return (await readNpy(await this.checkActivations(layer, pooling))).data as Float32Array;
  }

  async verify(pooling: Pooling, what: { activations?: boolean; stats?: boolean } = {}): Promise<void> {
    this.pooling(pooling);
    for (const layer of this.layers) {
      if (what.activations !== false) await this.checkActivations(layer, pooling);
      if (what.stats) await this.checkStats(layer, pooling);
    }
  }

  async checkStats(layer: LayerRecord, pooling: Pooling): Promise<void> {
    const stats = this.layout.stats(layer.id, pooling);
    await checkNpy(stats, this.shownPath(stats), this.expected('stats', layer, pooling, { dtype: '<f4', shape: [layer.channels, STATS_COLUMNS.length] }), this.rebuild);
    const topk = this.layout.topk(layer.id, pooling);
    const k = Math.min(this.manifest.topK, this.manifest.images.count);
    await checkNpy(topk, this.shownPath(topk), this.expected('topk', layer, pooling, { dtype: '<i4', shape: [layer.channels, k] }), this.rebuild);
  }

  async readImages(): Promise<void> {
    const path = this.layout.imagesTable;
    const shown = this.shownPath(path);
    let rows: RunImageRow[];
    try {
      rows = await readImagesTable(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new NeurolensError('input', runMessages.artifactMissing(shown, this.rebuild), { cause: error });
      throw new NeurolensError('input', runMessages.artifactDamaged(shown, code ?? 'not a readable Parquet table', this.rebuild), { cause: error });
    }
    const count = this.manifest.images.count;
    if (rows.length !== count) throw new NeurolensError('input', runMessages.artifactMismatch(shown, `${rows.length} rows`, `${count} images`, this.rebuild));
    this.images = rows;
  }

  async checkModel(model: string, option: string): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = await readFile(model);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new NeurolensError('input', runMessages.modelMissing(model, this.shown), { cause: error });
      throw new NeurolensError('input', runMessages.manifestUnreadable(model, code ?? String(error)), { cause: error });
    }
    if (sha256(bytes) !== this.manifest.model.sha256) throw new NeurolensError('input', runMessages.modelChanged(`${option === '--model' ? '' : `${option} `}${model}`, this.shown));
  }
}

/**
 * Opens the finished RUN in `dir` and checks everything `needs` names (see {@link RunNeeds}).
 * Throws a one-line NeurolensError: 'input' for a missing, damaged or newer run, a changed model or
 * non-finite activations; 'usage' for an unknown layer or a pooling named by an option.
 */
export async function openRun(dir: string, needs: RunNeeds = {}): Promise<OpenRun> {
  const root = resolve(dir);
  const manifest = await readManifest(root, dir);
  const view = new RunView(root, dir, manifest, needs);
  const option = needs.layersOption ?? '--layers';
  view.layers = pickLayers(manifest, needs.layers, option);
  const poolings = needs.poolings === 'all' ? manifest.poolings : (needs.poolings ?? []).map((p) => view.pooling(p));
  if (needs.images !== false) await view.readImages();
  for (const pooling of poolings) await view.verify(pooling, { activations: needs.activations, stats: needs.stats });
  if (needs.logits) {
    const classes = manifest.model.numClasses ?? 0;
    await checkNpy(view.layout.logits, view.shownPath(view.layout.logits), view.expected('logits', undefined, undefined, { dtype: '<f4', shape: [manifest.images.count, classes] }), view.rebuild);
  }
  if (needs.model !== undefined) await view.checkModel(needs.model, needs.modelOption ?? '--model');
  return view;
}
