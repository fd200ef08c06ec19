// Live interventions: the run's model runs HERE, in the browser (onnxruntime-web, WebAssembly, one
// thread — no cross-origin isolation needed); the server only hands over the model file and the
// preprocessed input tensor. The model is rewritten once (src/edit/scalable.ts: a mask input per
// recorded layer) so one session serves every intervention.
import * as ort from 'onnxruntime-web/wasm';
import { scalableModel, scaleFeeds, type FeedTensor, type ScalableModel } from '../../src/edit/scalable.js';
import { topPredictions, type Prediction } from '../../src/record/predictions.js';
import type { LiveResponse } from './contract.js';

/** Where the build puts the WebAssembly runtime and its loader (vite.config.ts copies them there). */
export const ORT_DIR = 'ort/';

let configured = false;
function configure(): void {
  if (configured) return;
  configured = true;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmPaths = new URL(ORT_DIR, document.baseURI).href;
  ort.env.logLevel = 'error';
}

async function fetchBytes(url: string, what: string): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = (await response.json()) as { error?: string };
      if (body.error) message = body.error;
    } catch {
      // not JSON: keep the status line
    }
    throw new Error(`${what}: ${message}`);
  }
  return response.arrayBuffer();
}

function tensor(feed: FeedTensor): ort.Tensor {
  return new ort.Tensor('float32', feed.data, feed.dims);
}

/** One browser session over the run's model, with every recorded layer scalable. */
export class LiveModel {
  /** Runs one at a time: a session does not take concurrent runs. */
  private queue: Promise<unknown> = Promise.resolve();
  private ranks: Map<string, number> | undefined;
  private readonly inputs = new Map<number, Promise<Float32Array>>();

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly scalable: ScalableModel,
    private readonly info: LiveResponse,
  ) {}

  static async open(info: LiveResponse): Promise<LiveModel> {
    if (info.model.url === null) throw new Error(info.model.problem ?? 'the model cannot be served');
    configure();
    const bytes = new Uint8Array(await fetchBytes(info.model.url, info.model.path));
    const scalable = scalableModel(bytes, info.layers, info.model.path);
    const session = await ort.InferenceSession.create(scalable.bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    return new LiveModel(session, scalable, info);
  }

  /** The preprocessed input of run image `index`, as the server's Node pipeline made it (fetched once). */
  input(index: number): Promise<Float32Array> {
    let input = this.inputs.get(index);
    if (!input) {
      input = this.fetchInput(index);
      input.catch(() => this.inputs.delete(index));
      this.inputs.set(index, input);
    }
    return input;
  }

  private async fetchInput(index: number): Promise<Float32Array> {
    const data = new Float32Array(await fetchBytes(`${this.info.input.url}${index}`, `image ${index}`));
    const size = this.info.input.dims.reduce((a, b) => a * b, 1);
    if (data.length !== size) throw new Error(`image ${index}: the server sent ${data.length} values, the model input needs ${size}`);
    return data;
  }

  /** Top-5 of the model's output on `input` with `scales` (layer id → factor per channel) applied. */
  predict(input: Float32Array, scales: ReadonlyMap<string, Float32Array>): Promise<Prediction & { ms: number }> {
    const next = this.queue.then(() => this.run(input, scales));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async run(input: Float32Array, scales: ReadonlyMap<string, Float32Array>): Promise<Prediction & { ms: number }> {
    const started = performance.now();
    const { output } = this.info;
    if (!this.ranks) {
      // A vector layer may be [N,D] or [N,C,1,1]: one identity run reads which (see scalable.ts).
      const taps = this.scalable.rankTaps;
      const result = await this.session.run(this.feeds(input, scaleFeeds(this.scalable, new Map())), [...new Set([output, ...taps])]);
      this.ranks = new Map(this.scalable.layers.filter((l) => l.kind === 'vector').map((l) => [l.tensor, result[l.tensor]?.dims.length ?? 2]));
    }
    const result = await this.session.run(this.feeds(input, scaleFeeds(this.scalable, scales, this.ranks)), [output]);
    const row = result[output]!.data as Float32Array;
    return { ...topPredictions(row, 5), ms: performance.now() - started };
  }

  private feeds(input: Float32Array, masks: Record<string, FeedTensor>): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = { [this.info.input.name]: new ort.Tensor('float32', input, this.info.input.dims) };
    for (const [name, feed] of Object.entries(masks)) feeds[name] = tensor(feed);
    return feeds;
  }
}

const opened = new Map<string, Promise<LiveModel>>();

/** The page's LiveModel for `info` (opened once per model URL; a failure is retried next time). */
export function liveModel(info: LiveResponse): Promise<LiveModel> {
  const key = info.model.url ?? '';
  let model = opened.get(key);
  if (!model) {
    model = LiveModel.open(info);
    model.catch(() => opened.delete(key));
    opened.set(key, model);
  }
  return model;
}
