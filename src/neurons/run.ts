/**
 * The recorded run as the neurons stage sees it: manifest, images, the analysed layers and the
 * pooling, checked once; and the command's single instrumented session, opened on first use.
 */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { NeurolensError } from '../errors.js';
import type { Preprocessing } from '../images/types.js';
import { neuronMessages } from '../messages/neurons.js';
import { loadModel } from '../onnx/load.js';
import { RunLayout } from '../record/layout.js';
import { readRunImages, readRunManifest, type RunImageRow } from '../record/read-run.js';
import type { LayerRecord, Pooling, RunManifest } from '../record/types.js';
import { InstrumentedModel } from '../runtime/instrumented.js';
import { sha256 } from '../store/hash.js';
import { NpyReader } from '../store/npy.js';

export interface NeuronsRun {
  /** Absolute run directory. */
  dir: string;
  /** The run directory as the user named it (for messages). */
  shown: string;
  layout: RunLayout;
  manifest: RunManifest;
  images: RunImageRow[];
  layers: LayerRecord[];
  pooling: Pooling;
  prep: Preprocessing;
}

/** The default pooling: max when recorded, else top10, else mean. */
export function defaultPooling(recorded: readonly Pooling[]): Pooling {
  return (['max', 'top10', 'mean'] as const).find((p) => recorded.includes(p)) ?? recorded[0]!;
}

export async function openRun(runDir: string, options: { layers?: string[]; pooling?: Pooling }): Promise<NeuronsRun> {
  const dir = resolve(runDir);
  const manifest = await readRunManifest(dir).catch((error: unknown) => {
    throw new NeurolensError('input', neuronMessages.notARun(runDir), { cause: error });
  });
  const recorded = manifest.layers.map((l) => l.id);
  let layers = manifest.layers;
  if (options.layers && options.layers.length > 0) {
    const unknown = options.layers.filter((id) => !manifest.layers.some((l) => l.id === id || l.tensor === id));
    if (unknown.length > 0) throw new NeurolensError('usage', neuronMessages.unknownLayers(unknown, recorded));
    layers = manifest.layers.filter((l) => options.layers!.some((id) => id === l.id || id === l.tensor));
  }
  const pooling = options.pooling ?? defaultPooling(manifest.poolings);
  if (!manifest.poolings.includes(pooling)) throw new NeurolensError('usage', neuronMessages.poolingMissing(pooling, manifest.poolings));
  const layout = new RunLayout(dir);
  for (const layer of layers) {
    for (const path of [layout.activations(layer.id, pooling), layout.topk(layer.id, pooling)]) {
      await access(path).catch(() => {
        throw new NeurolensError('input', neuronMessages.artifactMissing(path));
      });
    }
  }
  const images = await readRunImages(dir);
  images.sort((a, b) => Number(a.index) - Number(b.index));
  return { dir, shown: runDir, layout, manifest, images, layers, pooling, prep: manifest.preprocessing };
}

/** Opens a layer's pooled activations, checking the shape against the manifest. */
export async function openActivations(run: NeuronsRun, layer: LayerRecord): Promise<NpyReader> {
  const path = run.layout.activations(layer.id, run.pooling);
  const reader = await NpyReader.open(path);
  const shape = reader.header.shape;
  if (shape.length !== 2 || shape[0] !== run.manifest.images.count || shape[1] !== layer.channels || reader.header.dtype !== 'float32') {
    await reader.close();
    throw new NeurolensError('input', neuronMessages.activationShape(path, shape, run.manifest.images.count, layer.channels));
  }
  return reader;
}

/** Input tensor dims for `n` images under `prep`. */
export function inputDims(prep: Preprocessing, n: number): number[] {
  return prep.layout === 'NCHW' ? [n, prep.channels, prep.height, prep.width] : [n, prep.height, prep.width, prep.channels];
}

/** The command's one session (taps at every analysed layer), created when first needed. */
export class LazySession {
  private model: Promise<InstrumentedModel> | undefined;

  constructor(
    private readonly run: NeuronsRun,
    private readonly threads?: number,
  ) {}

  get(): Promise<InstrumentedModel> {
    this.model ??= (async () => {
      const { manifest, shown } = this.run;
      const loaded = await loadModel(manifest.model.path);
      if (sha256(loaded.bytes) !== manifest.model.sha256) throw new NeurolensError('input', neuronMessages.modelChanged(manifest.model.path, shown));
      return InstrumentedModel.create(loaded.model, { taps: this.run.layers.map((l) => l.tensor) }, this.threads === undefined ? {} : { threads: this.threads });
    })();
    return this.model;
  }

  /** Runs `data` (`n` images) and returns the tapped tensors of `layers`. */
  async taps(data: Float32Array, n: number, layers: readonly LayerRecord[]) {
    const model = await this.get();
    const { taps } = await model.run({ [model.inputNames[0]!]: { data, dims: inputDims(this.run.prep, n) } }, { taps: layers.map((l) => l.tensor), outputs: false });
    return taps;
  }

  async close(): Promise<void> {
    if (!this.model) return;
    const model = await this.model.catch(() => undefined);
    await model?.close();
  }
}
