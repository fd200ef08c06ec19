/** Public types of `record`: options, progress, and the manifest a finished RUN carries. */
import type { Preprocessing, PreprocessingOverrides } from '../images/types.js';

/** Per-neuron pooling of a layer's map over positions (see pool.ts). */
export type Pooling = 'mean' | 'max' | 'top10';
export const POOLINGS: readonly Pooling[] = ['mean', 'max', 'top10'];

export interface RecordOptions {
  /** Path of the .onnx model (a `.json` model card next to it supplies preprocessing defaults). */
  model: string;
  /** Image folder (walked recursively) or a list file with one path per line. */
  images: string;
  /** Run directory to create, resume, or recognise as already complete. */
  out: string;
  /** 'default' (the catalogue's analysis layers), 'all', or layer ids / tensor names. Default 'default'. */
  layers?: 'default' | 'all' | string[];
  /** Poolings to store for every layer. Default all three: mean, max, top10. */
  poolings?: Pooling[];
  /** Images per inference batch. Default 16. */
  batch?: number;
  /** Record only the first N images of the collection (in listing order). */
  limit?: number;
  /** onnxruntime intra-op threads. Default: the number of CPU cores. */
  threads?: number;
  /**
   * Preprocessing settings that override the model card (`MODEL.json` next to the model) and the
   * defaults: input size (needed for models with dynamic H/W and no card size), mean/std, resize,
   * crop fraction, interpolation, layout, background, and `maxPixels` (decompression-bomb guard).
   */
  preprocessing?: PreprocessingOverrides;
  /** How many top images to keep per neuron in the summaries. Default 100. */
  topK?: number;
  /** Images per journaled chunk: the unit of work lost to a crash. Default 256. */
  chunkSize?: number;
  /** Execution provider: 'cpu' (default) or 'cuda' (needs onnxruntime-node's CUDA build). */
  executionProvider?: 'cpu' | 'cuda';
}

export interface RecordProgress {
  phase: 'record' | 'finalize';
  /** Images processed (decoded or skipped) in 'record'; artefacts written in 'finalize'. */
  done: number;
  total: number;
  skipped: number;
  /** Images per second over this session's recording so far. */
  rate?: number;
  etaSeconds?: number;
}

export interface RecordHooks {
  onProgress?: (progress: RecordProgress) => void;
  /** One line per image that could not be decoded (it is also listed in skipped.jsonl). */
  onWarning?: (message: string) => void;
  /**
   * Stops the recording before its next chunk (a worker cancelling a job): the chunks already
   * journaled stay, and running the same recording again resumes after them.
   */
  signal?: AbortSignal;
  /** Called after each chunk is journaled (a worker's unit of progress that survives a crash). */
  onChunk?: (chunk: { chunk: number; images: number; skipped: number }) => void;
}

export interface RecordResult {
  /**
   * 'complete' when this call recorded (or resumed and finished); 'unchanged' when RUN was already
   * complete and intact; 'repaired' when RUN was complete but some artefacts were missing or
   * damaged and this call rebuilt them (listed in `rebuilt`).
   */
  status: 'complete' | 'unchanged' | 'repaired';
  /** Run-relative paths of the damaged artefacts this call rebuilt (empty unless 'repaired'). */
  rebuilt: string[];
  manifestPath: string;
  images: number;
  skipped: number;
  /** Images recorded by this call (0 when unchanged). */
  recordedNow: number;
  seconds: number;
}

export interface LayerRecord {
  id: string;
  tensor: string;
  kind: 'feature' | 'tokens' | 'vector';
  channels: number;
  spatial?: [number, number];
  /**
   * Feature maps only: 'NHWC' for channels-last maps [N,H,W,C] (neurons on the last axis, pooled
   * over H·W like tokens); absent means 'NCHW'.
   */
  layout?: 'NCHW' | 'NHWC';
  tokens?: { count: number; prefix: number; grid: [number, number] | null };
  isDefault: boolean;
  /**
   * Non-finite (NaN or ±Inf) values per pooling in this layer's activation matrix, counted at
   * record time. Absent in runs written before it was counted; 0 when every value is finite.
   */
  nonFinite?: Partial<Record<Pooling, number>>;
}

export interface ArtifactRecord {
  /** Path relative to the run root. */
  path: string;
  role: 'activations' | 'logits' | 'stats' | 'topk' | 'images' | 'skipped';
  layer?: string;
  pooling?: Pooling;
  /** numpy dtype string for .npy files; 'parquet' / 'jsonl' for tables. */
  dtype: string;
  shape: number[];
  /** Column names for stats matrices and tables. */
  columns?: string[];
}

export interface RunManifest {
  format: 'neurolens-run';
  formatVersion: 1;
  neurolensVersion: string;
  /** When the run was first started (or SOURCE_DATE_EPOCH, for reproducible outputs). */
  createdAt: string;
  model: { path: string; sha256: string; bytes: number; input: { name: string; dims: (number | string)[] }; output: string; numClasses: number | null; classNames?: string[] };
  images: { source: string; root: string; listed: number; count: number; skipped: number };
  preprocessing: Preprocessing;
  layers: LayerRecord[];
  poolings: Pooling[];
  topK: number;
  artifacts: ArtifactRecord[];
  /** sha256 per identity part (model, images, preprocessing, layers, poolings, top-k), to explain conflicts. */
  identity: Record<string, string>;
  /** sha256 over `identity`: everything that determines the run's contents (see plan.ts). */
  fingerprint: string;
}
