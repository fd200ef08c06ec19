/**
 * The recorded run as the neurons stage sees it: the shared run reader's view (layers by id or
 * tensor name, the pooling and every file this stage reads, checked once); and the command's
 * single instrumented session, opened on first use.
 */
import { NeurolensError } from '../errors.js';
import type { Preprocessing } from '../images/types.js';
import { runMessages } from '../messages/run.js';
import { loadModel } from '../onnx/load.js';
import type { RunLayout } from '../record/layout.js';
import type { RunImageRow } from '../record/read-run.js';
import type { LayerRecord, Pooling, RunManifest } from '../record/types.js';
import { openRun } from '../run/open.js';
import type { OpenRun } from '../run/types.js';
import { InstrumentedModel } from '../runtime/instrumented.js';
import type { SessionOptions } from '../runtime/types.js';
import { sha256 } from '../store/hash.js';
import type { NpyReader } from '../store/npy.js';

export interface NeuronsRun {
  /** Absolute run directory. */
  dir: string;
  /** The run directory as the user named it (for messages). */
  shown: string;
  layout: RunLayout;
  manifest: RunManifest;
  images: readonly RunImageRow[];
  layers: readonly LayerRecord[];
  pooling: Pooling;
  prep: Preprocessing;
  /** The shared reader's view the fields above come from. */
  run: OpenRun;
}

/** Pooling preference when --pooling is not given: max, then top10, then mean. */
const PREFERENCE: readonly Pooling[] = ['max', 'top10', 'mean'];

/** Opens `runDir` and checks the activations, stats and top-k of every analysed layer. */
export async function openNeuronsRun(runDir: string, options: { layers?: string[]; pooling?: Pooling }): Promise<NeuronsRun> {
  const run = await openRun(runDir, { layers: options.layers && options.layers.length > 0 ? options.layers : 'all', poolingOption: '--pooling', activations: false });
  const pooling = run.pooling(options.pooling, PREFERENCE);
  await run.verify(pooling, { stats: true });
  const { dir, shown, layout, manifest, images, layers } = run;
  return { dir, shown, layout, manifest, images, layers, pooling, prep: manifest.preprocessing, run };
}

/** Opens a layer's pooled activations (header and non-finite values checked by the run reader). */
export function openActivations(run: NeuronsRun, layer: LayerRecord): Promise<NpyReader> {
  return run.run.activations(layer, run.pooling);
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
    private readonly session: SessionOptions = {},
  ) {}

  get(): Promise<InstrumentedModel> {
    this.model ??= (async () => {
      const { manifest, shown } = this.run;
      const loaded = await loadModel(manifest.model.path);
      if (sha256(loaded.bytes) !== manifest.model.sha256) throw new NeurolensError('input', runMessages.modelChanged(manifest.model.path, shown));
      return InstrumentedModel.create(loaded.model, { taps: this.run.layers.map((l) => l.tensor) }, this.session);
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
