/**
 * ModelSession: one onnxruntime session living in its own worker thread (worker.ts), because
 * onnxruntime-node's run() blocks the thread it runs on. Create one per model (or per instrumented
 * variant) and reuse it: creating and releasing sessions repeatedly leaks native memory.
 *
 * Transfer semantics: the ArrayBuffers of fed tensors are TRANSFERRED to the worker, not copied, so
 * after run() the caller's typed arrays are detached (length 0) and must not be reused; pass
 * `data.slice()` to keep a copy. Arrays that are views into a larger buffer (a slice of a batch, a
 * Node Buffer) or that live in a SharedArrayBuffer are copied instead, leaving the caller's buffer
 * untouched. Outputs come back transferred: each owns its buffer.
 *
 * The worker file is found next to this module with this module's extension: dist/runtime/worker.js
 * when running compiled code, src/runtime/worker.ts under tsx (see spawnWorker). An idle session does not keep the process alive; close() releases
 * the native session and ends the worker.
 */
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { NeurolensError } from '../errors.js';
import { runtimeMessages } from '../messages/runtime.js';
import { createError, runError } from './errors.js';
import type { FromWorker, SessionOptions, TensorData, TensorLike, TensorType, ToWorker, ValueMetadata, WireTensor, WorkerInit } from './types.js';

export type { SessionOptions, TensorData, TensorLike, TensorType, ValueMetadata } from './types.js';

interface Job {
  id: number;
  feeds: Record<string, WireTensor>;
  transfer: ArrayBuffer[];
  fetches?: string[];
  dims: Record<string, { dims: number[] }>;
  resolve: (outputs: Record<string, TensorLike>) => void;
  reject: (error: Error) => void;
}

const OPTIMIZATION_LEVELS = ['all', 'basic', 'disabled'] as const;
const PROVIDERS = ['cpu', 'cuda'] as const;

function workerUrl(): URL {
  const extension = extname(fileURLToPath(import.meta.url)) || '.js';
  return new URL(`./worker${extension}`, import.meta.url);
}

/**
 * Starts the worker. Under tsx the entry is a .ts file, and Node 20 does not apply the loader hooks
 * of an inherited `--import tsx` to a worker's entry module, so a one-line bootstrap registers tsx
 * inside the worker first and then imports worker.ts. Compiled code loads worker.js directly.
 */
function spawnWorker(url: URL, init: WorkerInit | undefined, transferList: ArrayBuffer[]): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData: init, transferList });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: init, transferList });
}

/** The worker prestartWorker started and no session has claimed yet. */
let spare: Worker | undefined;

/** What prestartWorker returns. */
export interface PrestartedWorker {
  /** Node's id of the spare worker thread (see ModelSession.threadId); undefined if it could not start. */
  readonly threadId: number | undefined;
  /** Ends the spare if no session has claimed it, for a caller that turns out to need no session. */
  release(): void;
}

/**
 * Starts a worker thread, which loads onnxruntime, ahead of the next ModelSession: the load then
 * overlaps what the caller prepares meanwhile (reading the model, listing images) instead of adding
 * to the wait for the session. At most one spare exists; it does not keep the process alive. A
 * spare that fails is dropped, and the next session starts its own worker.
 */
export function prestartWorker(): PrestartedWorker {
  if (!spare) {
    try {
      const worker = spawnWorker(workerUrl(), undefined, []);
      worker.unref();
      // The session that claims the spare listens for errors from then on.
      worker.on('error', () => undefined);
      worker.once('exit', () => {
        if (spare === worker) spare = undefined;
      });
      spare = worker;
    } catch {
      spare = undefined;
    }
  }
  const started = spare;
  return {
    threadId: started?.threadId,
    release: () => {
      if (started && spare === started) {
        spare = undefined;
        void started.terminate();
      }
    },
  };
}

/** The spare worker, told to open `init`; else a new worker started with it. */
function claimWorker(url: URL, init: WorkerInit, transferList: ArrayBuffer[]): Worker {
  const worker = spare;
  spare = undefined;
  if (!worker) return spawnWorker(url, init, transferList);
  worker.ref();
  worker.postMessage({ type: 'open', init } satisfies ToWorker, transferList);
  return worker;
}

function resolveOptions(options: SessionOptions): Required<SessionOptions> {
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new NeurolensError('usage', runtimeMessages.badThreads(options.threads));
  const executionProvider = options.executionProvider ?? 'cpu';
  if (!PROVIDERS.includes(executionProvider)) {
    throw new NeurolensError('usage', runtimeMessages.badOption('executionProvider', executionProvider, PROVIDERS));
  }
  const graphOptimization = options.graphOptimization ?? 'all';
  if (!OPTIMIZATION_LEVELS.includes(graphOptimization)) {
    throw new NeurolensError('usage', runtimeMessages.badOption('graphOptimization', graphOptimization, OPTIMIZATION_LEVELS));
  }
  return { threads, executionProvider, graphOptimization, memoryPattern: options.memoryPattern ?? true };
}

/** The onnxruntime type a typed array carries by default. */
export function typeOfData(data: TensorData): TensorType | undefined {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof BigUint64Array) return 'uint64';
  return undefined;
}

/** A copy of `data` with its own ArrayBuffer (Buffer#slice would return a view, hence no slice()). */
function copyOf(data: TensorData): TensorData {
  const Ctor = data.constructor as new (source: TensorData) => TensorData;
  return data instanceof Buffer ? new Uint8Array(data) : new Ctor(data);
}

function ownsBuffer(data: TensorData): boolean {
  return data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
}

export class ModelSession {
  private readonly queue: Job[] = [];
  private inFlight: Job | undefined;
  private nextId = 1;
  private state: 'open' | 'closing' | 'closed' | 'crashed' = 'open';
  private crashReason = '';
  private closed: Promise<void> | undefined;
  private onClosed: (() => void) | undefined;

  /** Node's id of the worker thread that runs this session. */
  readonly threadId: number;
  /** Names of the model's inputs, in model order. */
  readonly inputNames: readonly string[];
  /** Names of the model's outputs, in model order. */
  readonly outputNames: readonly string[];

  private constructor(
    private readonly worker: Worker,
    /** Element type and dims (symbolic dims as strings) onnxruntime reports for each input. */
    readonly inputMetadata: readonly ValueMetadata[],
    /** Element type and inferred dims onnxruntime reports for each output. */
    readonly outputMetadata: readonly ValueMetadata[],
  ) {
    this.threadId = worker.threadId;
    this.inputNames = inputMetadata.map((m) => m.name);
    this.outputNames = outputMetadata.map((m) => m.name);
    worker.on('message', (message: FromWorker) => this.onMessage(message));
    worker.on('error', (error) => {
      this.crashReason ||= error.message;
    });
    worker.on('messageerror', (error) => this.crash(`a message could not be read: ${error.message}`));
    worker.on('exit', (code) => this.crash(this.crashReason || `exit code ${code}`));
    worker.unref();
  }

  /** Loads ONNX bytes into a new session. The bytes are copied to the worker; the caller keeps them. */
  static create(onnxBytes: Uint8Array, options: SessionOptions = {}): Promise<ModelSession> {
    return ModelSession.start(onnxBytes, options, false);
  }

  /**
   * Like create(), but transfers the bytes' buffer to the worker instead of copying it (saves a copy
   * of a large model); afterwards the caller's array is detached. Views into a larger buffer are copied.
   */
  static createTransferring(onnxBytes: Uint8Array, options: SessionOptions = {}): Promise<ModelSession> {
    return ModelSession.start(onnxBytes, options, true);
  }

  private static async start(onnxBytes: Uint8Array, options: SessionOptions, transfer: boolean): Promise<ModelSession> {
    const resolved = resolveOptions(options);
    const url = workerUrl();
    const bytes = transfer && ownsBuffer(onnxBytes) ? onnxBytes : new Uint8Array(onnxBytes);
    const init: WorkerInit = { bytes, options: resolved };
    let worker: Worker;
    try {
      worker = claimWorker(url, init, [bytes.buffer as ArrayBuffer]);
    } catch (error) {
      throw new NeurolensError('runtime', runtimeMessages.workerStart(fileURLToPath(url), (error as Error).message), { cause: error });
    }
    const ready = await new Promise<Extract<FromWorker, { type: 'ready' }>>((resolve, reject) => {
      let failure: Error | undefined;
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (message: FromWorker) => {
        if (message.type === 'ready') {
          cleanup();
          resolve(message);
        } else if (message.type === 'error') {
          cleanup();
          void worker.terminate();
          reject(createError(message.message, message.version, resolved.executionProvider, message.cudaMissing));
        }
      };
      const onError = (error: Error) => {
        failure = error;
      };
      const onExit = (code: number) => {
        cleanup();
        const reason = failure?.message ?? `exit code ${code}`;
        reject(new NeurolensError('runtime', runtimeMessages.workerStart(fileURLToPath(url), reason), { cause: failure }));
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
    return new ModelSession(worker, ready.inputMetadata, ready.outputMetadata);
  }

  /**
   * Runs the model once. `feeds` must hold every model input (their buffers are transferred: see the
   * file comment); `fetches` picks outputs (default: all). Runs are queued and executed one at a time.
   * Rejects with a NeurolensError('runtime' or 'usage') whose message names the input at fault.
   */
  run(feeds: Record<string, TensorLike>, fetches?: string[]): Promise<Record<string, TensorLike>> {
    try {
      this.assertUsable();
      const job = this.prepare(feeds, fetches);
      return new Promise((resolve, reject) => {
        this.queue.push({ ...job, resolve, reject });
        this.pump();
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Releases the native session and ends the worker. The run in progress finishes first; runs still
   * queued are rejected. Safe to call more than once.
   */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closed = this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    const wasUsable = this.state === 'open';
    if (this.state === 'open') this.state = 'closing';
    for (const job of this.queue.splice(0)) job.reject(new NeurolensError('runtime', runtimeMessages.sessionClosed()));
    if (wasUsable) {
      this.worker.ref();
      await new Promise<void>((resolve) => {
        this.onClosed = resolve;
        if (!this.inFlight) this.worker.postMessage({ type: 'close' } satisfies ToWorker);
      });
    }
    this.state = this.state === 'crashed' ? 'crashed' : 'closed';
    await this.worker.terminate();
  }

  private assertUsable(): void {
    if (this.state === 'crashed') throw new NeurolensError('runtime', runtimeMessages.workerCrashed(this.crashReason));
    if (this.state !== 'open') throw new NeurolensError('runtime', runtimeMessages.sessionClosed());
  }

  private prepare(feeds: Record<string, TensorLike>, fetches?: string[]): Omit<Job, 'resolve' | 'reject'> {
    const inputs = new Map(this.inputMetadata.map((m) => [m.name, m]));
    for (const name of Object.keys(feeds)) {
      if (!inputs.has(name)) throw new NeurolensError('usage', runtimeMessages.feedUnknown(name, this.inputNames));
    }
    for (const [name, meta] of inputs) {
      if (!(name in feeds)) throw new NeurolensError('usage', runtimeMessages.feedMissing(name, meta.shape));
    }
    const wire: Record<string, WireTensor> = {};
    const dims: Record<string, { dims: number[] }> = {};
    const transfer = new Set<ArrayBuffer>();
    for (const [name, tensor] of Object.entries(feeds)) {
      const checked = checkFeed(name, tensor, inputs.get(name)!);
      const data = ownsBuffer(checked.data) ? checked.data : copyOf(checked.data);
      transfer.add(data.buffer as ArrayBuffer);
      wire[name] = { ...checked, data };
      dims[name] = { dims: checked.dims };
    }
    let fetchList: string[] | undefined;
    if (fetches) {
      fetchList = [...new Set(fetches)];
      for (const name of fetchList) {
        if (!this.outputNames.includes(name)) throw new NeurolensError('usage', runtimeMessages.fetchUnknown(name, this.outputNames));
      }
    }
    return { id: this.nextId++, feeds: wire, transfer: [...transfer], fetches: fetchList, dims };
  }

  private pump(): void {
    if (this.inFlight || this.state !== 'open') return;
    const job = this.queue.shift();
    if (!job) {
      this.worker.unref();
      return;
    }
    this.inFlight = job;
    this.worker.ref();
    const message: ToWorker = { type: 'run', id: job.id, feeds: job.feeds, fetches: job.fetches };
    try {
      this.worker.postMessage(message, job.transfer);
    } catch {
      // Some buffers cannot be transferred (e.g. WebAssembly memory): send copies instead.
      this.worker.postMessage(message);
    }
  }

  private onMessage(message: FromWorker): void {
    if (message.type === 'closed') {
      this.onClosed?.();
      return;
    }
    if (message.type !== 'result' && message.type !== 'error') return;
    const job = this.inFlight;
    if (!job || job.id !== message.id) return;
    this.inFlight = undefined;
    if (message.type === 'result') {
      const outputs: Record<string, TensorLike> = {};
      for (const [name, t] of Object.entries(message.outputs)) outputs[name] = { data: t.data, dims: t.dims, type: t.type };
      job.resolve(outputs);
    } else {
      job.reject(runError(message.message, this.inputMetadata, job.dims));
    }
    if (this.state === 'closing') this.worker.postMessage({ type: 'close' } satisfies ToWorker);
    else this.pump();
  }

  private crash(reason: string): void {
    if (this.state === 'closed' || this.state === 'crashed') return;
    const closing = this.state === 'closing';
    this.state = 'crashed';
    this.crashReason = reason;
    const error = new NeurolensError('runtime', runtimeMessages.workerCrashed(reason));
    const jobs = [...(this.inFlight ? [this.inFlight] : []), ...this.queue.splice(0)];
    this.inFlight = undefined;
    for (const job of jobs) job.reject(error);
    if (closing) this.onClosed?.();
  }
}

function checkFeed(name: string, tensor: TensorLike, meta: ValueMetadata): WireTensor {
  const data = tensor?.data;
  const type = data && ArrayBuffer.isView(data) && !(data instanceof DataView) ? (tensor.type ?? typeOfData(data)) : undefined;
  if (!type || !Array.isArray(tensor.dims) || !tensor.dims.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new NeurolensError('usage', runtimeMessages.feedBadData(name));
  }
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    if (data.length === 0 && data.buffer.byteLength === 0) throw new NeurolensError('usage', runtimeMessages.feedDetached(name));
    throw new NeurolensError('usage', runtimeMessages.feedSize(name, tensor.dims, data.length));
  }
  const expected = meta.type === 'bool' && type === 'uint8' ? 'bool' : meta.type;
  if (meta.isTensor && expected && expected !== type) throw new NeurolensError('usage', runtimeMessages.feedType(name, type, expected));
  return { type: expected && meta.isTensor ? (expected as TensorType) : type, data, dims: [...tensor.dims] };
}
