/**
 * Cached, read-only access to one RUN directory for the explorer. Large or derived data (the image
 * table, stats matrices, activation scans, the circuit index) is read once and kept; small JSON
 * files are re-read when their size or mtime changes, so analyses written while the server runs
 * show up. Concurrent requests for the same item share one pending read.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { layerFileStem } from '../record/layout.js';
import type { RunImageRow } from '../record/read-run.js';
import { openRun } from '../run/open.js';
import { STATS_COLUMNS } from '../record/stats.js';
import type { LayerRecord, Pooling, RunManifest } from '../record/types.js';
import { NpyReader, readNpy } from '../store/npy.js';
import { notFound } from './http-error.js';
import { scanLayer, type LayerScan } from './layer-scan.js';
import { buildCircuitIndex, type CircuitIndex } from './circuit-index.js';
import { parseNeuronLabels, type LabelIndex } from './neuron-labels.js';

/** Per-channel statistics columns of stats/LAYER.POOL.stats.npy, by name. */
export type StatsColumn = (typeof STATS_COLUMNS)[number];

export interface LayerStats {
  channels: number;
  /** channels × STATS_COLUMNS.length, row-major. */
  data: Float32Array;
  get(channel: number, column: StatsColumn): number;
}

export class RunIndex {
  private readonly memo = new Map<string, Promise<unknown>>();
  private readonly jsonCache = new Map<string, { key: string; value: Promise<unknown> }>();
  private labelCache: { dissection: unknown; captions: unknown; value: LabelIndex } | undefined;

  private constructor(
    /** Real path of the run directory. */
    readonly dir: string,
    readonly manifest: RunManifest,
    private readonly rows: readonly RunImageRow[],
  ) {}

  /**
   * Opens a finished run through the shared run reader (manifest, images and every stats file; the
   * explorer still opens a run whose activations hold NaN in one layer, so those are not scanned),
   * so a damaged run fails here with one line instead of on some later request.
   */
  static async open(run: string): Promise<RunIndex> {
    const opened = await openRun(run, { layers: 'all', poolings: 'all', activations: false, stats: true, layersOption: null });
    return new RunIndex(await realpath(opened.dir), opened.manifest, opened.images);
  }

  get name(): string {
    return basename(this.dir);
  }

  /** 'mean' when recorded (what concepts and probes use by default), else the first pooling. */
  get defaultPooling(): Pooling {
    return this.manifest.poolings.includes('mean') ? 'mean' : this.manifest.poolings[0]!;
  }

  /** The layer record of `id`, or a 404. */
  layer(id: string): LayerRecord {
    const layer = this.manifest.layers.find((l) => l.id === id);
    if (!layer) throw notFound(`layer ${JSON.stringify(id)}`);
    return layer;
  }

  /** `pooling` if recorded (default: {@link defaultPooling}), or a 404. */
  pooling(requested: string | null): Pooling {
    if (requested === null || requested === '') return this.defaultPooling;
    if (!(this.manifest.poolings as string[]).includes(requested)) throw notFound(`pooling ${JSON.stringify(requested)}`);
    return requested as Pooling;
  }

  /** Memoises `load` under `key` (failed loads are forgotten so a later request retries). */
  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let value = this.memo.get(key) as Promise<T> | undefined;
    if (!value) {
      value = load();
      this.memo.set(key, value);
      value.catch(() => this.memo.delete(key));
    }
    return value;
  }

  /**
   * Real path of `rel` (relative to RUN), or null when it is absent or a symlink leads out of the
   * run: the API reads only what `/files/` would serve, so a link planted in an analysis folder
   * cannot expose files elsewhere on the machine.
   */
  private async inside(rel: string): Promise<string | null> {
    let real: string;
    try {
      real = await realpath(join(this.dir, rel));
    } catch {
      return null;
    }
    return real === this.dir || real.startsWith(this.dir.endsWith(sep) ? this.dir : this.dir + sep) ? real : null;
  }

  /** A JSON file inside the run (path relative to RUN), or null when absent, unparsable or outside the run. */
  async json<T = unknown>(rel: string): Promise<T | null> {
    const path = await this.inside(rel);
    if (path === null) return null;
    let info;
    try {
      info = await stat(path);
    } catch {
      return null;
    }
    if (!info.isFile()) return null;
    const key = `${info.size}:${info.mtimeMs}`;
    const hit = this.jsonCache.get(rel);
    if (hit && hit.key === key) return (await hit.value) as T | null;
    const value = readFile(path, 'utf8').then(
      (text) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return null;
        }
      },
      () => null,
    );
    this.jsonCache.set(rel, { key, value });
    return (await value) as T | null;
  }

  /**
   * Names in a folder of the run (sorted), or [] when it does not exist or lies outside the run.
   * Symbolic links count as what they point to, and are left out when they lead outside the run.
   */
  async list(rel: string): Promise<{ name: string; dir: boolean }[]> {
    const folder = await this.inside(rel);
    if (folder === null) return [];
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return [];
    }
    const out: { name: string; dir: boolean }[] = [];
    for (const e of entries) {
      if (!e.isSymbolicLink()) out.push({ name: e.name, dir: e.isDirectory() });
      else {
        const target = await this.inside(`${rel}/${e.name}`);
        const info = target === null ? null : await stat(target).catch(() => null);
        if (info) out.push({ name: e.name, dir: info.isDirectory() });
      }
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Whether `rel` is a regular file inside the run (following links that stay inside). */
  async exists(rel: string): Promise<boolean> {
    const path = await this.inside(rel);
    if (path === null) return false;
    try {
      return (await stat(path)).isFile();
    } catch {
      return false;
    }
  }

  images(): Promise<RunImageRow[]> {
    return this.once('images', async () => [...this.rows]);
  }

  /** The image row with run index `index`, or a 404. */
  async image(index: number): Promise<RunImageRow> {
    const rows = await this.images();
    const row = rows[index]?.index === index ? rows[index] : rows.find((r) => r.index === index);
    if (!row) throw notFound(`image ${index}`);
    return row;
  }

  stats(layerId: string, pooling: Pooling): Promise<LayerStats> {
    return this.once(`stats:${layerId}:${pooling}`, async () => {
      const npy = await readNpy(join(this.dir, 'stats', `${layerFileStem(layerId)}.${pooling}.stats.npy`));
      const data = npy.data as Float32Array;
      const width = npy.shape[1] ?? STATS_COLUMNS.length;
      const columns = STATS_COLUMNS as readonly string[];
      return { channels: npy.shape[0]!, data, get: (c: number, col: StatsColumn) => data[c * width + columns.indexOf(col)]! };
    });
  }

  topk(layerId: string, pooling: Pooling): Promise<{ k: number; data: Int32Array }> {
    return this.once(`topk:${layerId}:${pooling}`, async () => {
      const npy = await readNpy(join(this.dir, 'stats', `${layerFileStem(layerId)}.${pooling}.topk.npy`));
      return { k: npy.shape[1] ?? 0, data: npy.data as Int32Array };
    });
  }

  activationsPath(layerId: string, pooling: Pooling): string {
    return join(this.dir, 'activations', `${layerFileStem(layerId)}.${pooling}.npy`);
  }

  scan(layerId: string, pooling: Pooling): Promise<LayerScan> {
    return this.once(`scan:${layerId}:${pooling}`, () => scanLayer(this.activationsPath(layerId, pooling)));
  }

  /** Activations of `channel` on the given images (one row read per image). */
  async activationsOf(layerId: string, pooling: Pooling, channel: number, images: readonly number[]): Promise<number[]> {
    const reader = await NpyReader.open(this.activationsPath(layerId, pooling));
    try {
      const out: number[] = [];
      for (const i of images) out.push(i >= 0 && i < reader.rows ? (await reader.readFloat32Rows(i, 1))[channel] ?? NaN : NaN);
      return out;
    } finally {
      await reader.close();
    }
  }

  /** Concept layers: layer id → the run-relative file, from concepts/*.json. */
  async conceptFiles(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const e of await this.list('concepts')) {
      if (e.dir || !e.name.endsWith('.json')) continue;
      const doc = await this.json<{ format?: string; layer?: { id?: string } }>(`concepts/${e.name}`);
      if (doc?.format === 'neurolens-concepts' && typeof doc.layer?.id === 'string') out.set(doc.layer.id, `concepts/${e.name}`);
    }
    return out;
  }

  /** Probe files (probes/*.json of format neurolens-probes), in name order. */
  async probeFiles(): Promise<string[]> {
    const out: string[] = [];
    for (const e of await this.list('probes')) {
      if (e.dir || !e.name.endsWith('.json')) continue;
      const doc = await this.json<{ format?: string }>(`probes/${e.name}`);
      if (doc?.format === 'neurolens-probes') out.push(`probes/${e.name}`);
    }
    return out;
  }

  /** The circuit queries and a neuron → circuits map; rebuilt when the folder's files change. */
  async circuits(): Promise<CircuitIndex> {
    const files = (await this.list('circuits')).filter((e) => !e.dir && e.name.endsWith('.json'));
    const sig: string[] = [];
    for (const f of files) {
      const info = await stat(join(this.dir, 'circuits', f.name)).catch(() => null);
      sig.push(`${f.name}:${info?.size}:${info?.mtimeMs}`);
    }
    return this.once(`circuits:${sig.join('|')}`, () => buildCircuitIndex(this, files.map((f) => f.name)));
  }

  /** Neuron labels from neurons/dissection.json and neurons/labels.json (dissection wins). */
  async labels(): Promise<LabelIndex> {
    const [dissection, captions] = await Promise.all([this.json('neurons/dissection.json'), this.json('neurons/labels.json')]);
    // json() returns the same objects while the files are unchanged, so identity is a cache key.
    const hit = this.labelCache;
    if (hit && hit.dissection === dissection && hit.captions === captions) return hit.value;
    const value = parseNeuronLabels(dissection, captions);
    this.labelCache = { dissection, captions, value };
    return value;
  }

  /** neurons/exemplars.LAYER.json when present. */
  exemplarsFile(layerId: string): string {
    return `neurons/exemplars.${layerFileStem(layerId)}.json`;
  }

  /** Run-relative sprite path of a neuron (whether or not it exists). */
  spriteFile(layerId: string, channel: number): string {
    return `neurons/thumbs/${layerFileStem(layerId)}/${channel}.png`;
  }
}
