/** Types shared by the runtime's main-thread side (session.ts) and its worker (worker.ts). */

/** Typed arrays a tensor may hold (string tensors are not supported). */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** onnxruntime element type names. */
export type TensorType = 'float32' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool';

/** A dense tensor: values in row-major order and its dims. */
export interface TensorLike {
  data: TensorData;
  dims: number[];
  /**
   * Element type; defaults to the one the typed array implies (Uint8Array → 'uint8'). Needed only for
   * 'bool', which also travels as a Uint8Array. Outputs always carry it.
   */
  type?: TensorType;
}

export interface SessionOptions {
  /** Intra-op threads onnxruntime may use for one run. Default: the number of CPUs (os.availableParallelism()). */
  threads?: number;
  /**
   * Where to run: 'cpu' (default) or 'cuda'. CUDA is opt-in and needs onnxruntime-node's CUDA
   * provider libraries (installed separately: ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js) and an NVIDIA GPU with CUDA 12; when they are missing,
   * creating the session fails with a clear error instead of silently falling back to the CPU.
   * Nodes CUDA cannot run still run on the CPU.
   */
  executionProvider?: 'cpu' | 'cuda';
  /**
   * onnxruntime graph optimizations: 'all' (default; fusions such as Conv+BN, fastest), 'basic'
   * (constant folding and redundant-node removal only) or 'disabled' (run the graph as written,
   * e.g. to compare with another framework node by node). Values are the same at every level up
   * to float rounding.
   */
  graphOptimization?: 'all' | 'basic' | 'disabled';
  /**
   * onnxruntime's memory pattern: after the first run of a given input shape, every intermediate
   * tensor of a run is placed in one pre-planned block. Default true, the fastest for forward graphs.
   * Gradient graphs (src/grad) set it false: their forward activations stay alive until the backward
   * pass reads them, and the planned block then outgrows what the run needs (ViT-B/16, batch 8: peak
   * 4.5 GB with it, 3.6 GB without, at the same speed).
   */
  memoryPattern?: boolean;
}

/** What onnxruntime reports about one input or output of a session. */
export interface ValueMetadata {
  name: string;
  /** False for sequences and maps, which neurolens does not feed or read. */
  isTensor: boolean;
  /** Element type, e.g. 'float32' (tensors only). */
  type?: string;
  /** Dims: numbers when fixed, strings when symbolic; empty when the rank is unknown. */
  shape?: (number | string)[];
}

// ---- messages between session.ts and worker.ts ----

/** A tensor on the wire: the type always spelled out. */
export interface WireTensor {
  type: TensorType;
  data: TensorData;
  dims: number[];
}

export interface WorkerInit {
  bytes: Uint8Array;
  options: Required<SessionOptions>;
}

export type ToWorker =
  | { type: 'open'; init: WorkerInit }
  | { type: 'run'; id: number; feeds: Record<string, WireTensor>; fetches?: string[] }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; inputMetadata: ValueMetadata[]; outputMetadata: ValueMetadata[] }
  | { type: 'result'; id: number; outputs: Record<string, WireTensor> }
  | { type: 'error'; id?: number; stage: 'create' | 'run'; message: string; version: string; cudaMissing?: boolean }
  | { type: 'closed' };
