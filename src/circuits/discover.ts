/**
 * Granular Concept Circuits for one query image of a recorded run (issue 5, discovery):
 *
 *  1. the query's clean tensors at every analysis layer (one full pass, SensitivityEngine.clean) and
 *     its `top10` pooled activations (poolBatch, as the recorder pools);
 *  2. roots: every neuron of every layer but the last with the query in its T1 (act ≥ θ1);
 *  3. the support gate (support.ts): in gated layers (token layers by default) only neurons whose
 *     ablation alone lowers the predicted logit may start a circuit or be a target;
 *  4. forward expansion (discoverCircuits): a neuron's out-edges are selectEdges over its
 *     sensitivity scores (SensitivityEngine), the SFS of its T1 against the next layer's T1 sets,
 *     and "query in T10" (act ≥ θ10) and the gate of each target.
 *
 * Scores are computed in batches: when a neuron of layer l is first expanded, every neuron of l
 * that is already known to need expanding (the remaining roots of l and every target reached so far
 * in l) is scored in the same engine call, so no score is computed that expansion will not use.
 *
 * One CircuitFinder holds the reference statistics, one SensitivityEngine and one plain full-model
 * session (the query's logits and, for reports, the reference images' maps) for every query.
 */
import { resolve } from 'node:path';
import { NeurolensError } from '../errors.js';
import { decodeImage } from '../images/index.js';
import type { Preprocessing } from '../images/types.js';
import { circuitMessages } from '../messages/circuits.js';
import { loadModel } from '../onnx/load.js';
import type { ModelProto } from '../onnx/types.js';
import { poolBatch, poolView } from '../record/pool.js';
import { looksLikeProbabilities, softmax } from '../record/predictions.js';
import type { RunImageRow } from '../record/read-run.js';
import type { LayerRecord, RunManifest } from '../record/types.js';
import { InstrumentedModel } from '../runtime/instrumented.js';
import type { TensorLike } from '../runtime/types.js';
import { sha256 } from '../store/hash.js';
import { openRun } from '../run/open.js';
import { runMessages } from '../messages/run.js';
import { discoverCircuits, selectEdges, type ExpandProgress } from './expand.js';
import { isTop, loadReference, type Reference } from './reference.js';
import { neuronRegion, type Box } from '../maps/region.js';
import { SensitivityEngine, type CleanActivations } from './sensitivity.js';
import { semanticFlowScores } from './sfs.js';
import type { CircuitEdge, NeuronRef } from './types.js';
import { CIRCUITS_DEFAULTS } from './defaults.js';
import { Ablator } from '../maps/ablate.js';
import { gatedLayers, SupportTable, supportDrops, type SupportGate, type SupportSummary } from './support.js';
import type { RandomCheck } from './formats.js';

export interface CircuitFinderOptions {
  /** Percentile of the peaks-over-threshold sensitivity cut (0 < p < 100). Default 90. */
  percentile?: number;
  /** Rows per run of a cut sub-graph, and images per batch when mapping reference images. Default 32. */
  batch?: number;
  /** onnxruntime intra-op threads. Default: the number of CPU cores. */
  threads?: number;
  /** Execution provider of every session this opens: 'cpu' (default) or 'cuda' (see SessionOptions). */
  executionProvider?: 'cpu' | 'cuda';
  /** Run layer ids to analyse (at least 2, in any order; used in the run's order). Default: every recorded layer. */
  layers?: string[];
  /** Layers whose neurons must support the prediction to enter a circuit (support.ts). Default 'tokens'. */
  support?: SupportGate;
}

/** A query: an image of the run by its index, or any image file (decoded with the run's preprocessing). */
export type CircuitQuery = { index: number } | { image: string };

export interface CircuitPrediction {
  class: number;
  /** The class name, when the model card has them. */
  label?: string;
  logit: number;
  /** Softmax probability (the output itself when it already is a probability vector). */
  prob: number;
}

export interface CircuitNode {
  layer: string;
  channel: number;
  /** The neuron's region on the query, in model-input pixels (see src/maps/region.ts). */
  region: Box;
  /** The query's `top10` pooled activation of the neuron. */
  act: number;
  /** In a layer under the support gate: the predicted logit's drop when this neuron alone is zeroed on the query (> 0). */
  support?: number;
}

export interface CircuitSummary {
  nodes: number;
  edges: number;
  /** Nodes per layer, indexed like `CircuitQueryResult.layers`. */
  layers: number[];
  /** Mean sensitivity over the circuit's edges. */
  meanSensitivity: number;
}

export interface CircuitResult {
  /** `<root layer>#<root channel>`: unique within a result. */
  id: string;
  root: NeuronRef;
  /** Ordered by layer, then channel. */
  nodes: CircuitNode[];
  /** Ordered by (source layer, source channel, target channel). */
  edges: CircuitEdge[];
  summary: CircuitSummary;
  /**
   * Measured effect (written by `neurolens circuits`, see annotate.ts): the predicted logit's drop
   * with only this circuit zeroed, its rank among the query's circuits (1 = largest drop), and the
   * same drop for random sets of its per-layer sizes with the verdict (absent in older files).
   */
  effect?: { ablation: 'zero'; drop: number; rank: number } & Partial<RandomCheck>;
  /**
   * A name from the run's concepts stage (annotate.ts): the caption most of the circuit's neurons
   * are named by — a neuron's name is the cluster most significantly over-represented among its
   * top-10 % images (hypergeometric p below a Bonferroni bound) — with `neurons` of `of` sharing it
   * and the smallest p among them. Absent when no neuron has a significant cluster.
   */
  concept?: { caption: string; neurons: number; of: number; p: number };
}

export interface CircuitQueryResult {
  query: {
    /** The run image index, for a query by index. */
    index?: number;
    /** Path relative to the run's image root (by index), or the absolute path of the file (by path). */
    image: string;
    /** Top-5 classes of the model's first output. */
    predicted: CircuitPrediction[];
  };
  percentile: number;
  /** Analysis layers, in order. */
  layers: { id: string; channels: number }[];
  /** Every neuron (not of the last layer) with the query in its T1; ordered by layer, then channel. */
  roots: NeuronRef[];
  /** The support gate: which layers' neurons had to lower the predicted logit when ablated to enter a circuit, and how many did. */
  support?: SupportSummary;
  /** One per root (admitted by the support gate) that an earlier circuit did not reach and that has at least one edge; in root order, or ranked by `effect` once measured. */
  circuits: CircuitResult[];
  diagnostics: {
    /** Neurons whose sensitivity scores were computed (= neurons expanded). */
    sources: number;
    /** Σ over sources of the candidate targets (query in T10, S > 0) that the cuts were applied to. */
    edgesConsidered: number;
    /** Wall time of find() — the only field that differs between identical runs. */
    seconds: number;
  };
}

/** Progress of one find() call. */
export interface FindProgress extends ExpandProgress {
  phase: 'expand';
}

/** What a report needs to know about the run (read once by the finder). */
export interface RunContext {
  dir: string;
  manifest: RunManifest;
  images: RunImageRow[];
  /** The analysed layers' records, in order. */
  layers: LayerRecord[];
  prep: Preprocessing;
  reference: Reference;
}

/** Input tensor dims for `n` images under `prep`. */
export function inputDims(prep: Preprocessing, n: number): number[] {
  return prep.layout === 'NCHW' ? [n, prep.channels, prep.height, prep.width] : [n, prep.height, prep.width, prep.channels];
}

/** A neuron's region, or the whole input when its layer has no spatial map (vectors, tokens without a grid). */
export function regionOrWhole(tensor: TensorLike, channel: number, layer: LayerRecord, prep: Preprocessing, sample = 0): Box {
  const whole = { x: 0, y: 0, width: prep.width, height: prep.height };
  const positions = tensor.dims.length === 4 ? (layer.layout === 'NHWC' ? tensor.dims[1]! * tensor.dims[2]! : tensor.dims[2]! * tensor.dims[3]!) : 0;
  if (tensor.dims.length === 2 || (tensor.dims.length === 4 && positions === 1)) return whole;
  if (tensor.dims.length === 3 && !layer.tokens?.grid) return whole;
  return neuronRegion(tensor, channel, layer, [prep.height, prep.width], { sample });
}

export class CircuitFinder {
  private closing: Promise<void> | undefined;

  private constructor(
    /** The run, its analysed layers and reference statistics. */
    readonly run: RunContext,
    private readonly engine: SensitivityEngine,
    /** The full model with taps at every analysed layer: query logits and reference-image maps. */
    readonly viewer: InstrumentedModel,
    readonly percentile: number,
    /** Images per batch for viewer runs. */
    readonly batch: number,
    readonly support: SupportGate,
    /** Single-neuron ablations for the support gate (absent when no layer is gated). */
    private readonly ablator: Ablator | undefined,
  ) {}

  /**
   * Opens `runDir` (a finished run recorded with `top10` pooling), loads its reference statistics
   * and model, and starts the sessions. Throws a one-line NeurolensError for an unknown layer, a run
   * without top10 pooling, fewer than 2 layers, or a model that changed since recording.
   */
  static async create(runDir: string, options: CircuitFinderOptions = {}): Promise<CircuitFinder> {
    const percentile = options.percentile ?? CIRCUITS_DEFAULTS.percentile;
    if (!(percentile > 0 && percentile < 100)) throw new NeurolensError('usage', circuitMessages.badPercentile(percentile));
    const batch = options.batch ?? CIRCUITS_DEFAULTS.batch;
    if (!Number.isInteger(batch) || batch < 1) throw new NeurolensError('usage', circuitMessages.badBatch(batch));
    const run = await openRun(runDir, { layers: options.layers ?? 'all', poolings: ['top10'] });
    const { dir, manifest } = run;
    const layers = [...run.layers];
    if (layers.length < 2) throw new NeurolensError('usage', circuitMessages.tooFewLayers(layers.length));
    const reference = await loadReference(run);
    const images = [...run.images];
    // The hash is checked on the bytes loaded here, not on a second read of the file.
    const loaded = await loadModel(manifest.model.path);
    if (sha256(loaded.bytes) !== manifest.model.sha256) throw new NeurolensError('input', runMessages.modelChanged(manifest.model.path, runDir));
    const model: ModelProto = loaded.model;
    const session = { ...(options.threads === undefined ? {} : { threads: options.threads }), ...(options.executionProvider ? { executionProvider: options.executionProvider } : {}) };
    const engine = await SensitivityEngine.create(model, layers, { ...session, batch });
    const support = options.support ?? CIRCUITS_DEFAULTS.support;
    let viewer: InstrumentedModel | undefined;
    let ablator: Ablator | undefined;
    try {
      viewer = await InstrumentedModel.create(model, { taps: layers.map((l) => l.tensor) }, session);
      if (gatedLayers(layers, support).some(Boolean)) {
        ablator = await Ablator.create(model, layers.map((l) => ({ id: l.id, tensor: l.tensor, kind: l.kind, channels: l.channels, ...(l.layout ? { layout: l.layout } : {}) })), { ...session, batch });
      }
    } catch (error) {
      await Promise.all([engine.close(), viewer?.close()]);
      throw error;
    }
    return new CircuitFinder({ dir, manifest, images, layers, prep: manifest.preprocessing, reference }, engine, viewer, percentile, batch, support, ablator);
  }

  /** Where a query's image is and how the result names it (throws for an index outside the run). */
  queryFile(query: CircuitQuery): { file: string; image: string; shown: string; index?: number } {
    const { manifest, images } = this.run;
    if ('index' in query) {
      const row = Number.isInteger(query.index) ? images.find((r) => Number(r.index) === query.index) : undefined;
      if (!row) throw new NeurolensError('usage', circuitMessages.queryIndexRange(query.index, images.length, this.run.dir));
      return { file: resolve(manifest.images.root, row.path), image: row.path, shown: row.path, index: query.index };
    }
    const file = resolve(query.image);
    return { file, image: file, shown: query.image };
  }

  /** The model-ready tensor of a query (decoded with the run's preprocessing) and how the result names it. */
  async queryInput(query: CircuitQuery): Promise<{ data: Float32Array; image: string; file: string; index?: number }> {
    const { file, image, shown, index } = this.queryFile(query);
    const decoded = await decodeImage(file, this.run.prep, { displayPath: shown, pixelLimitAdvice: runMessages.pixelLimit() });
    return { data: decoded.data, image, file, ...(index === undefined ? {} : { index }) };
  }

  /** Circuits of one query. Deterministic: the same query gives the same result (but `diagnostics.seconds`). */
  async find(query: CircuitQuery, hooks: { onProgress?: (progress: FindProgress) => void } = {}): Promise<CircuitQueryResult> {
    if (this.closing) throw new NeurolensError('runtime', circuitMessages.engineClosed());
    const started = process.hrtime.bigint();
    const { layers, reference, prep } = this.run;
    const input = await this.queryInput(query);
    const dims = inputDims(prep, 1);
    const clean = await this.engine.clean({ data: input.data, dims });
    const predicted = await this.predict(input.data, dims);

    // The query's top10 activations per layer, pooled exactly as the recorder pooled the reference.
    const acts = clean.layers.map((t, l) => {
      const view = poolView(t.dims, layers[l]!.layout);
      return poolBatch(t.data as Float32Array, view.dims, view.kind, ['top10']).top10;
    });
    const last = layers.length - 1;
    const roots: NeuronRef[] = [];
    for (let l = 0; l < last; l++) {
      for (let c = 0; c < layers[l]!.channels; c++) if (isTop(reference.layers[l]!, c, acts[l]![c]!, '1')) roots.push({ layer: layers[l]!.id, channel: c });
    }

    // Every neuron that could become a root or a target has the query in its T10 (T1 ⊆ T10).
    const table = await SupportTable.measure(
      layers,
      this.support,
      (l, c) => isTop(reference.layers[l]!, c, acts[l]![c]!, '10'),
      (neurons) => supportDrops((image, rows) => this.ablator!.run(image, rows), { data: input.data, dims }, neurons, predicted[0]!.class),
    );
    const layerOf = (ref: NeuronRef) => layers.findIndex((l) => l.id === ref.layer);
    const admitted = roots.filter((r) => table.admits(layerOf(r), r.channel));
    const expansion = new Expansion(this.engine, clean, reference, acts, layers, this.percentile, table);
    for (const root of admitted) expansion.need(layerOf(root), root.channel);
    const circuits = await discoverCircuits({
      layers: layers.map((l) => l.id),
      roots: admitted,
      edgesFrom: (layer, channel) => expansion.edgesFrom(layers.findIndex((l) => l.id === layer), channel),
      onProgress: (p) => hooks.onProgress?.({ phase: 'expand', ...p }),
    });

    const index = new Map(layers.map((l, i) => [l.id, i]));
    // Circuits share neurons: compute each neuron's region on the query once.
    const regions = new Map<string, Box>();
    const regionOf = (l: number, channel: number): Box => {
      const key = `${l}#${channel}`;
      let box = regions.get(key);
      if (!box) regions.set(key, (box = regionOrWhole(clean.layers[l]!, channel, layers[l]!, prep)));
      return box;
    };
    const results: CircuitResult[] = circuits.map((circuit) => {
      const perLayer = new Array<number>(layers.length).fill(0);
      const nodes = circuit.nodes.map((n) => {
        const l = index.get(n.layer)!;
        perLayer[l]!++;
        const drop = table.drop(l, n.channel);
        return { layer: n.layer, channel: n.channel, region: regionOf(l, n.channel), act: acts[l]![n.channel]!, ...(drop === undefined ? {} : { support: drop }) };
      });
      const total = circuit.edges.reduce((s, e) => s + e.sensitivity, 0);
      return {
        id: `${circuit.root.layer}#${circuit.root.channel}`,
        root: circuit.root,
        nodes,
        edges: circuit.edges,
        summary: { nodes: nodes.length, edges: circuit.edges.length, layers: perLayer, meanSensitivity: circuit.edges.length ? total / circuit.edges.length : 0 },
      };
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      query: { ...(input.index === undefined ? {} : { index: input.index }), image: input.image, predicted },
      percentile: this.percentile,
      layers: layers.map((l) => ({ id: l.id, channels: l.channels })),
      roots,
      support: table.summary,
      circuits: results,
      diagnostics: { sources: expansion.sources, edgesConsidered: expansion.considered, seconds: Math.round(seconds * 1000) / 1000 },
    };
  }

  /** Top-5 classes of the query from the model's first output. */
  private async predict(data: Float32Array, dims: number[]): Promise<CircuitPrediction[]> {
    const { manifest } = this.run;
    const out = await this.viewer.run({ [this.viewer.inputNames[0]!]: { data: data.slice(), dims } }, { taps: [] });
    const tensor = out.outputs[manifest.model.output] ?? out.outputs[this.viewer.outputNames[0]!]!;
    const row = Float32Array.from(tensor.data as Float32Array);
    const probs = looksLikeProbabilities(row) ? Float64Array.from(row) : softmax(row);
    const order = Array.from(probs.keys()).sort((a, b) => probs[b]! - probs[a]! || a - b).slice(0, 5);
    const names = manifest.model.classNames;
    return order.map((c) => ({ class: c, ...(names?.[c] !== undefined ? { label: names[c] } : {}), logit: row[c]!, prob: probs[c]! }));
  }

  /** Releases every session. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= Promise.all([this.engine.close(), this.viewer.close(), this.ablator?.close()]).then(() => undefined);
    return this.closing;
  }
}

/** Per-query expansion state: batched scoring of the neurons known to need it, and selectEdges. */
class Expansion {
  /** Per layer: channels that will be expanded and are not scored yet. */
  private readonly pending: Set<number>[];
  private readonly scored = new Map<string, Float64Array>();
  sources = 0;
  considered = 0;

  constructor(
    private readonly engine: SensitivityEngine,
    private readonly clean: CleanActivations,
    private readonly reference: Reference,
    private readonly acts: Float32Array[],
    private readonly layers: readonly LayerRecord[],
    private readonly percentile: number,
    private readonly support: SupportTable,
  ) {
    this.pending = layers.map(() => new Set<number>());
  }

  need(layer: number, channel: number): void {
    if (layer < this.layers.length - 1 && !this.scored.has(`${layer}:${channel}`)) this.pending[layer]!.add(channel);
  }

  async edgesFrom(layer: number, channel: number): Promise<CircuitEdge[]> {
    const key = `${layer}:${channel}`;
    if (!this.scored.has(key)) {
      this.need(layer, channel);
      const sources = [...this.pending[layer]!].sort((a, b) => a - b);
      this.pending[layer]!.clear();
      const scores = await this.engine.scores(layer, this.clean, sources);
      sources.forEach((c, i) => this.scored.set(`${layer}:${c}`, scores[i]!));
    }
    const scores = this.scored.get(key)!;
    const source = this.reference.layers[layer]!;
    const target = this.reference.layers[layer + 1]!;
    const targetActs = this.acts[layer + 1]!;
    const sfs = semanticFlowScores(source.T1[channel]!, target.T1, this.reference.images);
    const { edges, diagnostics } = selectEdges({
      source: { layer: this.layers[layer]!.id, channel },
      targetLayer: this.layers[layer + 1]!.id,
      scores,
      sfs,
      queryInT10: (c) => isTop(target, c, targetActs[c]!, '10') && this.support.admits(layer + 1, c),
      percentile: this.percentile,
    });
    this.sources++;
    this.considered += diagnostics.candidates;
    for (const edge of edges) this.need(layer + 1, edge.to.channel);
    return edges;
  }
}
