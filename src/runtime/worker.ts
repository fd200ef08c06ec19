/**
 * Worker-thread entry that owns one onnxruntime session (see session.ts for the main-thread side).
 * onnxruntime-node's run() blocks the thread it runs on, so inference lives here and the main
 * thread stays responsive (progress bars, Ctrl-C, image decoding). Messages are handled one at a
 * time; tensors travel as transferred ArrayBuffers, never copied through structured clone.
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import type { FromWorker, TensorType, ToWorker, ValueMetadata, WireTensor, WorkerInit } from './types.js';

const port = parentPort;
if (!port) throw new Error('neurolens runtime worker.ts must be started as a worker thread');
// A worker started ahead of its session (prestartWorker) gets its WorkerInit in an 'open' message.
const init = workerData as WorkerInit | undefined;

// Errors come back to the caller as exceptions; keep onnxruntime's native logger off stderr.
ort.env.logLevel = 'fatal';

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function metadata(list: readonly ort.InferenceSession.ValueMetadata[]): ValueMetadata[] {
  return list.map((m) => (m.isTensor ? { name: m.name, isTensor: true, type: m.type, shape: [...m.shape] } : { name: m.name, isTensor: false }));
}

const version = String(ort.env.versions.node ?? ort.env.versions.common ?? '?');

async function open(init: WorkerInit): Promise<ort.InferenceSession | undefined> {
  const { threads, executionProvider, graphOptimization, memoryPattern } = init.options;
  if (executionProvider === 'cuda' && !ort.listSupportedBackends().some((b) => b.name === 'cuda')) {
    post({ type: 'error', stage: 'create', message: `no CUDA backend on ${process.platform}/${process.arch}`, version, cudaMissing: true });
    return undefined;
  }
  try {
    const session = await ort.InferenceSession.create(init.bytes, {
      // Fatal only: every error also comes back as an exception, worded for the user by errors.ts.
      logSeverityLevel: 4,
      intraOpNumThreads: threads,
      // One run at a time per session: parallelism comes from intra-op threads.
      interOpNumThreads: 1,
      executionMode: 'sequential',
      enableMemPattern: memoryPattern,
      graphOptimizationLevel: graphOptimization,
      executionProviders: [executionProvider],
    });
    post({ type: 'ready', inputMetadata: metadata(session.inputMetadata), outputMetadata: metadata(session.outputMetadata) });
    return session;
  } catch (error) {
    post({ type: 'error', stage: 'create', message: messageOf(error), version });
    return undefined;
  }
}

let opened: Promise<ort.InferenceSession | undefined> = init ? open(init) : Promise.resolve(undefined);

async function run(session: ort.InferenceSession, id: number, feeds: Record<string, WireTensor>, fetches?: string[]): Promise<void> {
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.type, t.data, t.dims);
  const results = fetches ? await session.run(ortFeeds, fetches) : await session.run(ortFeeds);
  const outputs: Record<string, WireTensor> = {};
  const transfer = new Set<ArrayBuffer>();
  for (const [name, value] of Object.entries(results)) {
    if (value.type === 'string' || !ArrayBuffer.isView(value.data)) throw new Error(`output ${name} is a ${value.type} tensor, which neurolens cannot read`);
    let data = value.data as WireTensor['data'];
    // Transfer whole buffers; copy views that share a buffer with something else.
    if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength || !(data.buffer instanceof ArrayBuffer)) data = data.slice();
    transfer.add(data.buffer as ArrayBuffer);
    outputs[name] = { type: value.type as TensorType, data, dims: [...value.dims] };
  }
  post({ type: 'result', id, outputs }, [...transfer]);
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'open') {
    opened = open(message.init);
    return;
  }
  void (async () => {
    const session = await opened;
    if (message.type === 'close') {
      await session?.release().catch(() => undefined);
      post({ type: 'closed' });
      return;
    }
    if (!session) {
      post({ type: 'error', id: message.id, stage: 'run', message: 'the session failed to open', version });
      return;
    }
    try {
      await run(session, message.id, message.feeds, message.fetches);
    } catch (error) {
      post({ type: 'error', id: message.id, stage: 'run', message: messageOf(error), version });
    }
  })();
});
