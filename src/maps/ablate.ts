/**
 * Ablation of sets of neurons (issue 5: circuit verification and diagnosis). A "row" is a set of
 * neurons and a factor; the row's neurons are multiplied by the factor at EVERY position of their
 * layer (every spatial position of a feature map [N,C,H,W]; every token, class token included, of a
 * token tensor [N,T,D]; the one value of a vector [N,D]) — factor 0 zeroes them, 2 stimulates them.
 *
 * All rows of a request run as rows of one batch through ONE instrumented model (an intervention
 * T' = T ⊙ M at every analysis layer, per-row masks M of shape [rows, C, 1, 1], [rows, 1, D] or
 * [rows, D] that broadcast over positions), the query image repeated once per row.
 */
import { isAbsolute, join } from 'node:path';
import { NeurolensError } from '../errors.js';
import { decodeImage } from '../images/index.js';
import { circuitMessages } from '../messages/circuits.js';
import { loadModel } from '../onnx/load.js';
import type { ModelProto } from '../onnx/types.js';
import type { RunImageRow } from '../record/read-run.js';
import { openRun } from '../run/open.js';
import { runMessages } from '../messages/run.js';
import type { RunManifest } from '../record/types.js';
import { InstrumentedModel, type InterventionValues } from '../runtime/instrumented.js';
import type { SessionOptions, TensorLike } from '../runtime/types.js';
import type { NeuronRef } from './types.js';
import { maskDims } from './mask-dims.js';

/** What ablation needs to know about a layer (a run manifest's LayerRecord or a LayerInfo fits). */
export interface AblateLayer {
  /** Run layer id (what NeuronRef.layer names). */
  id: string;
  /** Tensor name in the model graph. */
  tensor: string;
  /** Tensor kind: `feature` [N,C,H,W], `tokens` [N,T,D], `vector` [N,D]. */
  kind: 'feature' | 'tokens' | 'vector';
  /** Neurons: C, or D for tokens. */
  channels: number;
  /** Rank of a `vector` tensor: 2 for [N,D], 4 for a pooled [N,C,1,1]. Default 2 (the Ablator finds it itself). */
  rank?: 2 | 4;
  /** Feature maps: 'NHWC' for channels-last [N,H,W,C] (masks broadcast on the last axis). Default 'NCHW'. */
  layout?: 'NCHW' | 'NHWC';
}

/** One batch row: these neurons scaled by `factor` (others untouched). */
export interface MaskRow {
  neurons: readonly NeuronRef[];
  /** Multiplier of the row's neurons at every position. Default 0 (ablation). */
  factor?: number;
  /**
   * Replace the row's neurons by their layer's dataset mean (`Ablator` `means`) at every position
   * instead of scaling them (`factor` is then ignored). Mean ablation keeps a layer's input to the
   * next block in distribution, where zero is a value some units (GELU, pre-LN streams) never take.
   */
  mean?: boolean;
}

/** Per layer id: each neuron's dataset mean (what a `mean` row writes). */
export type LayerMeans = Record<string, Float32Array>;

export { maskDims } from './mask-dims.js';

/**
 * Per-row masks for `rows`: tensor name → intervention. Only layers that some row touches get an
 * entry (the others run unchanged). Each mask is `rows × channels` ones with the factor written at
 * the rows' neurons; a neuron listed twice in a row is scaled once.
 */
export function buildMasks(layers: readonly AblateLayer[], rows: readonly MaskRow[], means: LayerMeans = {}): Record<string, InterventionValues> {
  const byId = new Map(layers.map((l) => [l.id, l]));
  const masks = new Map<string, Float32Array>();
  const patches = new Map<string, Float32Array>();
  rows.forEach((row, r) => {
    const factor = row.mean ? 0 : row.factor ?? 0;
    if (!Number.isFinite(factor)) throw new NeurolensError('usage', circuitMessages.badFactor(factor));
    for (const n of row.neurons) {
      const layer = byId.get(n.layer);
      if (!layer) throw new NeurolensError('usage', circuitMessages.ablateLayer(n.layer, layers.map((l) => l.id)));
      if (!Number.isInteger(n.channel) || n.channel < 0 || n.channel >= layer.channels) {
        throw new NeurolensError('usage', circuitMessages.badSource(n.channel, layer.id, layer.channels));
      }
      let mask = masks.get(layer.id);
      if (!mask) masks.set(layer.id, (mask = new Float32Array(rows.length * layer.channels).fill(1)));
      mask[r * layer.channels + n.channel] = factor;
      if (row.mean) {
        const m = means[layer.id];
        if (!m) throw new NeurolensError('usage', circuitMessages.noLayerMean(layer.id));
        let patch = patches.get(layer.id);
        if (!patch) patches.set(layer.id, (patch = new Float32Array(rows.length * layer.channels)));
        patch[r * layer.channels + n.channel] = m[n.channel]!;
      }
    }
  });
  const out: Record<string, InterventionValues> = {};
  for (const layer of layers) {
    const mask = masks.get(layer.id);
    const patch = patches.get(layer.id);
    const dims = maskDims(layer, rows.length);
    if (mask) out[layer.tensor] = { mask: { data: mask, dims }, ...(patch ? { patch: { data: patch, dims } } : {}) };
  }
  return out;
}

/** A canonical key of a row: the same neurons and factor give the same key, whatever the order. */
export function rowKey(row: MaskRow): string {
  const keys = [...new Set(row.neurons.map((n) => `${n.layer}\u0000${n.channel}`))].sort();
  return `${row.mean ? 'mean' : row.factor ?? 0}\u0001${keys.join('\u0002')}`;
}

export interface AblatorOptions extends SessionOptions {
  /** Rows per model run. Default 32. */
  batch?: number;
  /** Each layer's per-neuron dataset mean, for `mean` rows. Default: none (a `mean` row is refused). */
  means?: LayerMeans;
}

/**
 * One instrumented model with interventions at the given layers, reused for every query; `run`
 * returns the model's first output for each requested row.
 */
export class Ablator {
  /** Whether the ranks of the vector layers are known (found on the first run). */
  private ranksKnown: boolean;

  private constructor(
    private readonly model: InstrumentedModel,
    /** The layers that can be ablated. */
    readonly layers: AblateLayer[],
    private readonly batch: number,
    /** Name of the output that is returned (the model's first). */
    readonly output: string,
    /** Per-neuron dataset means for `mean` rows. */
    readonly means: LayerMeans,
  ) {
    this.ranksKnown = !layers.some((l) => l.kind === 'vector' && l.rank === undefined);
  }

  static async create(model: ModelProto, layers: readonly AblateLayer[], options: AblatorOptions = {}): Promise<Ablator> {
    const { batch = 32, means = {}, ...sessionOptions } = options;
    if (!Number.isInteger(batch) || batch < 1) throw new NeurolensError('usage', circuitMessages.badBatch(batch));
    // Vector layers are tapped too: a "vector" may be [N,D] or a pooled [N,C,1,1], and the mask's
    // rank must match (the first run reads it).
    const taps = [...new Set(layers.filter((l) => l.kind === 'vector').map((l) => l.tensor))];
    const im = await InstrumentedModel.create(model, { taps, interventions: [...new Set(layers.map((l) => l.tensor))] }, sessionOptions);
    return new Ablator(im, layers.map((l) => ({ ...l })), batch, im.outputNames[0]!, means);
  }

  /**
   * The first output for each row (in order) on `image` ([1, …]; not consumed). Identical rows
   * (same neurons and factor) run once; rows run `batch` at a time.
   */
  async run(image: TensorLike, rows: readonly MaskRow[]): Promise<Float32Array[]> {
    if (image.dims[0] !== 1) throw new NeurolensError('usage', circuitMessages.queryBatch(image.dims));
    const unique: MaskRow[] = [];
    const slot = new Map<string, number>();
    const where = rows.map((row) => {
      const key = rowKey(row);
      let at = slot.get(key);
      if (at === undefined) {
        slot.set(key, (at = unique.length));
        unique.push(row);
      }
      return at;
    });
    const results: Float32Array[] = [];
    const input = this.model.inputNames[0]!;
    if (!this.ranksKnown) {
      const vectors = this.layers.filter((l) => l.kind === 'vector' && l.rank === undefined);
      const { taps } = await this.model.run({ [input]: { data: image.data.slice(), dims: [...image.dims] } }, { taps: vectors.map((l) => l.tensor), outputs: false });
      for (const l of vectors) l.rank = taps[l.tensor]!.dims.length === 4 ? 4 : 2;
      this.ranksKnown = true;
    }
    const size = image.data.length;
    for (let start = 0; start < unique.length; start += this.batch) {
      const chunk = unique.slice(start, start + this.batch);
      const data = new Float32Array(chunk.length * size);
      for (let r = 0; r < chunk.length; r++) data.set(image.data as Float32Array, r * size);
      const { outputs } = await this.model.run(
        { [input]: { data, dims: [chunk.length, ...image.dims.slice(1)] } },
        { taps: [], interventions: buildMasks(this.layers, chunk, this.means) },
      );
      const out = outputs[this.output]!;
      const values = out.data as Float32Array;
      const width = values.length / chunk.length;
      for (let r = 0; r < chunk.length; r++) results.push(values.slice(r * width, (r + 1) * width));
    }
    return where.map((at) => results[at]!);
  }

  close(): Promise<void> {
    return this.model.close();
  }
}

/** A query as CircuitFinder takes it: an image of the run (by index) or any image file. */
export type QueryRef = { index: number } | { image: string };

/** A finished RUN opened for ablation: its manifest, images, and an Ablator over all its layers. */
export interface RunAblation {
  manifest: RunManifest;
  images: RunImageRow[];
  ablator: Ablator;
  /** The query image as the model's input tensor [1, …], preprocessed as the run was. */
  loadImage(query: QueryRef): Promise<TensorLike>;
  /** Class name of a class index (from the model card), if known. */
  label(cls: number): string | undefined;
  close(): Promise<void>;
}

/**
 * Each recorded layer's per-neuron dataset mean: the column means of the run's `mean` pooling
 * (each image's mean over positions), i.e. the neuron's mean over images and positions.
 * Throws a one-line NeurolensError when the run did not record `mean` pooling.
 */
export async function runLayerMeans(runDir: string): Promise<LayerMeans> {
  const run = await openRun(runDir, { activations: false });
  if (!run.manifest.poolings.includes('mean')) throw new NeurolensError('input', circuitMessages.noMeanPooling(runDir, run.manifest.poolings));
  const means: LayerMeans = {};
  for (const layer of run.manifest.layers) {
    const data = await run.readActivations(layer, 'mean');
    const C = layer.channels;
    const rows = data.length / C;
    const sum = new Float64Array(C);
    for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) sum[c]! += data[r * C + c]!;
    means[layer.id] = Float32Array.from(sum, (v) => (rows > 0 ? v / rows : 0));
  }
  return means;
}

/** Opens `runDir`'s model with interventions at every recorded layer (`withMeans`: load the layers' dataset means for `mean` rows). */
export async function openRunAblation(runDir: string, options: AblatorOptions & { withMeans?: boolean } = {}): Promise<RunAblation> {
  const run = await openRun(runDir, { activations: false });
  const { manifest } = run;
  const images = [...run.images];
  const { model } = await loadModel(manifest.model.path);
  const layers: AblateLayer[] = manifest.layers.map((l) => ({ id: l.id, tensor: l.tensor, kind: l.kind, channels: l.channels, ...(l.layout ? { layout: l.layout } : {}) }));
  const { withMeans, ...ablatorOptions } = options;
  const means = withMeans ? await runLayerMeans(runDir) : ablatorOptions.means;
  const ablator = await Ablator.create(model, layers, { ...ablatorOptions, ...(means ? { means } : {}) });
  const prep = manifest.preprocessing;
  const dims = prep.layout === 'NHWC' ? [1, prep.height, prep.width, prep.channels] : [1, prep.channels, prep.height, prep.width];
  const byIndex = new Map(images.map((row) => [Number(row.index), row]));
  return {
    manifest,
    images,
    ablator,
    async loadImage(query) {
      let file: string;
      if ('index' in query) {
        const row = byIndex.get(query.index);
        if (!row) throw new NeurolensError('usage', circuitMessages.queryIndexRange(query.index, images.length, runDir));
        file = join(manifest.images.root, row.path);
      } else file = isAbsolute(query.image) ? query.image : join(process.cwd(), query.image);
      const decoded = await decodeImage(file, prep, { pixelLimitAdvice: runMessages.pixelLimit() });
      return { data: decoded.data, dims };
    },
    label: (cls) => manifest.model.classNames?.[cls],
    close: () => ablator.close(),
  };
}
