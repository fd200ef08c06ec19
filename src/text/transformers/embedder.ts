/**
 * `--embedder transformers:<model>`: a transformers.js feature-extraction model (BERT-like
 * sentence encoders such as all-MiniLM-L6-v2), run locally on the CPU in fp32. Each text's row is
 * the mean of its token vectors (`last_hidden_state`) over the tokens its attention mask keeps —
 * padding in a batch never counts — scaled to unit length.
 */
import type { TextEmbedder } from '../types.js';
import { importTransformers, loadError, pretrainedOptions, resolveModel, runError, withTransformers, type TransformersSourceOptions } from './load.js';

export const DEFAULT_TRANSFORMERS_EMBED_BATCH = 32;

export interface TransformersEmbedderOptions extends TransformersSourceOptions {
  /** Texts per model call (padded to the longest text in the call). Default 32. */
  batchSize?: number;
}

/** The part of a transformers.js feature-extraction pipeline used here. */
interface Extractor {
  (texts: string[], options: { pooling: 'mean'; normalize: boolean }): Promise<{ data: ArrayLike<number>; dims: number[] }>;
  dispose(): Promise<unknown>;
}

export class TransformersEmbedder implements TextEmbedder {
  /** `transformers:<model>`, the model as given. */
  readonly id: string;
  readonly perText = true;
  private readonly batchSize: number;
  private width = 0;
  private extractor: Promise<Extractor> | undefined;

  constructor(private readonly options: TransformersEmbedderOptions) {
    this.id = `transformers:${options.model}`;
    this.batchSize = options.batchSize ?? DEFAULT_TRANSFORMERS_EMBED_BATCH;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new RangeError(`TransformersEmbedder: batchSize must be an integer ≥ 1, got ${this.batchSize}`);
    }
  }

  /** Row width, known after the model first ran (0 before). */
  get dims(): number {
    return this.width;
  }

  /**
   * Loads the model now (otherwise the first {@link embed} does): resolves `model`, imports
   * transformers.js and builds the pipeline.
   *
   * @throws NeurolensError when the package is missing, the model is neither a local directory nor
   *   allowed to be downloaded, or it cannot be loaded.
   */
  load(): Promise<void> {
    return this.pipeline().then(() => undefined);
  }

  async embed(texts: readonly string[]): Promise<Float32Array> {
    if (texts.length === 0) return new Float32Array(0);
    const extractor = await this.pipeline();
    const rows: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      const batch = texts.slice(start, start + this.batchSize);
      let output: Awaited<ReturnType<Extractor>>;
      try {
        output = await extractor(batch, { pooling: 'mean', normalize: true });
      } catch (err) {
        throw runError(this.options.model, err);
      }
      const [count, dims] = output.dims;
      if (output.dims.length !== 2 || count !== batch.length || !dims) {
        throw runError(this.options.model, new Error(`pooled output has shape [${output.dims.join(', ')}], expected [${batch.length}, dims]`));
      }
      this.width = dims;
      const data = Float32Array.from(output.data);
      for (let r = 0; r < count; r++) {
        // A text with no token at all (possible only with a tokenizer that adds no special
        // tokens) pools to 0/0: give it the zero vector rather than NaNs.
        const row = data.subarray(r * dims, (r + 1) * dims);
        if (!row.every(Number.isFinite)) row.fill(0);
      }
      rows.push(data);
    }
    const out = new Float32Array(texts.length * this.width);
    let offset = 0;
    for (const block of rows) {
      out.set(block, offset);
      offset += block.length;
    }
    return out;
  }

  /** Releases the onnxruntime sessions; a later {@link embed} loads the model again. */
  async close(): Promise<void> {
    const extractor = this.extractor;
    this.extractor = undefined;
    if (extractor) await (await extractor.catch(() => undefined))?.dispose();
  }

  private pipeline(): Promise<Extractor> {
    this.extractor ??= this.createPipeline().catch((err: unknown) => {
      this.extractor = undefined;
      throw err;
    });
    return this.extractor;
  }

  private async createPipeline(): Promise<Extractor> {
    const { model, allowRemote } = this.options;
    const { ref } = await resolveModel(model, allowRemote);
    const tf = await importTransformers(this.id);
    return withTransformers(tf, this.options, async () => {
      try {
        return (await tf.pipeline('feature-extraction', ref, pretrainedOptions(this.options))) as unknown as Extractor;
      } catch (err) {
        throw loadError(model, err);
      }
    });
  }
}
