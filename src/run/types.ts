/**
 * Public interface of the one recorded-run reader. Every analysis (concepts, circuits, probes,
 * neurons, attribution, edit --eval, the explorer) opens a RUN through `openRun(dir, needs)` and
 * gets back a validated view; it never parses `manifest.json` or lists artefacts itself. Damage is
 * reported as one NeurolensError line naming the file and a fix that works (usually: re-run the
 * same `record` command, which re-verifies and rebuilds a missing or truncated artefact).
 */
import type { LayerRecord, Pooling, RunManifest } from '../record/types.js';
import type { RunImageRow } from '../record/read-run.js';
import type { NpyReader } from '../store/npy.js';
import type { RunLayout } from '../record/layout.js';

/** What an analysis is about to read; everything named here is checked before `openRun` returns. */
export interface RunNeeds {
  /**
   * Layers the analysis reads, by layer id **or** tensor name; 'all' (every recorded layer) or
   * 'default' (the catalogue's analysis layers). Default 'all'. An unknown name is a usage error
   * listing the recorded ids.
   */
  layers?: readonly string[] | 'all' | 'default';
  /**
   * Name of the option that names layers, used in messages. Default '--layers'; null for a command
   * without one (the fix for a non-finite layer is then to record the run again without it).
   */
  layersOption?: string | null;
  /**
   * Poolings the analysis reads ('all': every recorded one); each must be recorded. Default: none
   * checked (the analysis picks one later with {@link OpenRun.pooling}).
   */
  poolings?: readonly Pooling[] | 'all';
  /** Name of the option that chose `poolings`, offered as a fix when one is missing. Default: none. */
  poolingOption?: string;
  /** Check the activation matrices of every needed layer × pooling (existence and `.npy` header vs manifest). Default true. */
  activations?: boolean;
  /** Check the per-neuron stats and top-k matrices of every needed layer × pooling. Default false. */
  stats?: boolean;
  /** Check `logits.npy`. Default false. */
  logits?: boolean;
  /** Read and check `images.parquet` (row count vs manifest); exposed as {@link OpenRun.images}. Default true. */
  images?: boolean;
  /** A model path the analysis will run: its sha256 must equal the manifest's model hash. */
  model?: string;
  /** Option name of `model` used in messages. Default '--model'. */
  modelOption?: string;
}

/** A validated, read-only view of a finished RUN. */
export interface OpenRun {
  /** Absolute, resolved run directory. */
  readonly dir: string;
  /** The directory as the user named it (for messages). */
  readonly shown: string;
  readonly layout: RunLayout;
  readonly manifest: RunManifest;
  /** The images table sorted by index (empty when `needs.images` was false). */
  readonly images: readonly RunImageRow[];
  /** The needed layers, in manifest order. */
  readonly layers: readonly LayerRecord[];
  /** The `npx neurolens record …` command that wrote the run (and rebuilds a damaged file of it). */
  readonly rebuild: string;
  /** Looks a recorded layer up by id or tensor name; a usage error naming `option` when unknown. */
  layer(name: string, option?: string): LayerRecord;
  /** `requested` when recorded (usage error otherwise); without it, the first of `preference` that was recorded. */
  pooling(requested?: Pooling, preference?: readonly Pooling[]): Pooling;
  /**
   * Opens a layer's pooled activation matrix `[images, channels]` float32, header checked against
   * the manifest. Non-finite values get the one policy of every analysis: the layer is refused with
   * one line naming the layer, the pooling, the count and the fix (the manifest's count, or a scan
   * for runs recorded before it was counted).
   */
  activations(layer: LayerRecord, pooling: Pooling): Promise<NpyReader>;
  /**
   * Checks every needed layer's files for `pooling` (recorded, else an error as {@link pooling}):
   * the activation matrix (unless `activations` is false) and, with `stats`, the stats and top-k
   * matrices. For an analysis that picks its pooling after opening the run.
   */
  verify(pooling: Pooling, what?: { activations?: boolean; stats?: boolean }): Promise<void>;
  /** Reads a whole activation matrix (same checks as {@link activations}). */
  readActivations(layer: LayerRecord, pooling: Pooling): Promise<Float32Array>;
}
