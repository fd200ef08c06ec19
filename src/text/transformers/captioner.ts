/**
 * `--captioner transformers:<model>`: image captioning with transformers.js, locally on the CPU in
 * fp32, greedy decoding (no sampling, one beam), so a model gives the same caption for the same
 * image every time. Two families, told apart by config.json's `model_type`:
 *
 * - `vision-encoder-decoder` (ViT-GPT2, BLIP-like exports, TrOCR): the `image-to-text` pipeline;
 * - `florence2` (Florence-2): the `<CAPTION>` task — the processor turns the task token into its
 *   prompt, the model generates from prompt + image, and the processor's post-processing keeps the
 *   caption text.
 *
 * Images are read from `absolutePath`, checked against the sha256 the run recorded (captions are
 * cached by it), auto-oriented and flattened onto white as RGB with sharp, then handed to the
 * model's own processor (resize, normalise).
 */
import { readRecordedImage } from '../recorded-image.js';
import sharp from 'sharp';
import { NeurolensError } from '../../errors.js';
import { oneLine } from '../../llm/errors.js';
import { textMessages } from '../../messages/text.js';
import { sha256 } from '../../store/hash.js';
import type { CaptionImage, Captioner } from '../types.js';
import {
  importTransformers,
  loadError,
  pretrainedOptions,
  resolveModel,
  runError,
  withTransformers,
  type TransformersModule,
  type TransformersSourceOptions,
} from './load.js';

export const DEFAULT_CAPTION_MAX_NEW_TOKENS = 30;
/** The Florence-2 task whose answer is a short caption. */
export const FLORENCE2_CAPTION_TASK = '<CAPTION>';

export interface TransformersCaptionerOptions extends TransformersSourceOptions {
  /** Most tokens generated per caption. Default 30. */
  maxNewTokens?: number;
  /** Images per `caption` call (the caching driver stores each call's captions). Default 8. */
  batchSize?: number;
}

type RawImage = InstanceType<TransformersModule['RawImage']>;
type CaptionOne = (image: RawImage) => Promise<string>;

interface Loaded {
  tf: TransformersModule;
  captionOne: CaptionOne;
  dispose: () => Promise<unknown>;
}

/** The model types this captioner can drive, and how. */
const CAPTION_FAMILIES = ['vision-encoder-decoder', 'florence2'] as const;

export class TransformersCaptioner implements Captioner {
  /** `transformers:<model>`, the model as given. */
  readonly id: string;
  readonly batchSize: number;
  private readonly maxNewTokens: number;
  private loaded: Promise<Loaded> | undefined;

  constructor(private readonly options: TransformersCaptionerOptions) {
    this.id = `transformers:${options.model}`;
    this.batchSize = options.batchSize ?? 8;
    this.maxNewTokens = options.maxNewTokens ?? DEFAULT_CAPTION_MAX_NEW_TOKENS;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new RangeError(`TransformersCaptioner: batchSize must be an integer ≥ 1, got ${this.batchSize}`);
    }
    if (!Number.isInteger(this.maxNewTokens) || this.maxNewTokens < 1) {
      throw new RangeError(`TransformersCaptioner: maxNewTokens must be an integer ≥ 1, got ${this.maxNewTokens}`);
    }
  }

  /**
   * Loads the model now (otherwise the first {@link caption} does).
   *
   * @throws NeurolensError when the package is missing, the model is neither a local directory nor
   *   allowed to be downloaded, its model_type cannot caption, or it cannot be loaded.
   */
  load(): Promise<void> {
    return this.model().then(() => undefined);
  }

  /** One caption per image, in order; images are captioned one at a time (memory stays bounded). */
  async caption(images: readonly CaptionImage[]): Promise<string[]> {
    if (images.length === 0) return [];
    const { tf, captionOne } = await this.model();
    const out: string[] = [];
    for (const image of images) {
      const raw = await readImage(tf, image);
      try {
        out.push((await captionOne(raw)).replace(/\s+/g, ' ').trim());
      } catch (err) {
        throw runError(this.options.model, err);
      }
    }
    return out;
  }

  /** Releases the onnxruntime sessions; a later {@link caption} loads the model again. */
  async close(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = undefined;
    if (loaded) await (await loaded.catch(() => undefined))?.dispose();
  }

  private model(): Promise<Loaded> {
    this.loaded ??= this.createModel().catch((err: unknown) => {
      this.loaded = undefined;
      throw err;
    });
    return this.loaded;
  }

  private async createModel(): Promise<Loaded> {
    const { model, allowRemote } = this.options;
    const { ref } = await resolveModel(model, allowRemote);
    const tf = await importTransformers(this.id);
    const pretrained = pretrainedOptions(this.options);
    return withTransformers(tf, this.options, async () => {
      let modelType: string;
      try {
        const config = await tf.AutoConfig.from_pretrained(ref, pretrained);
        modelType = String((config as { model_type?: unknown }).model_type ?? 'none');
      } catch (err) {
        throw loadError(model, err);
      }
      if (!(CAPTION_FAMILIES as readonly string[]).includes(modelType)) {
        throw new NeurolensError('model', textMessages.transformersCannotCaption(model, modelType));
      }
      const generation = { max_new_tokens: this.maxNewTokens, do_sample: false, num_beams: 1 };
      try {
        const loaded = modelType === 'florence2'
          ? await loadFlorence2(tf, ref, pretrained, generation)
          : await loadImageToText(tf, ref, pretrained, generation);
        return { tf, ...loaded };
      } catch (err) {
        throw loadError(model, err);
      }
    });
  }
}

type Pretrained = ReturnType<typeof pretrainedOptions>;
type Generation = { max_new_tokens: number; do_sample: boolean; num_beams: number };

/** vision-encoder-decoder models through the `image-to-text` pipeline. */
async function loadImageToText(tf: TransformersModule, ref: string, pretrained: Pretrained, generation: Generation): Promise<Omit<Loaded, 'tf'>> {
  const pipe = (await tf.pipeline('image-to-text', ref, pretrained)) as unknown as {
    (image: RawImage, options: Generation): Promise<Array<{ generated_text: string }>>;
    dispose(): Promise<unknown>;
  };
  return {
    captionOne: async (image) => (await pipe(image, generation))[0]?.generated_text ?? '',
    dispose: () => pipe.dispose(),
  };
}

/** Florence-2 with its `<CAPTION>` task prompt. */
async function loadFlorence2(tf: TransformersModule, ref: string, pretrained: Pretrained, generation: Generation): Promise<Omit<Loaded, 'tf'>> {
  const { dtype: _dtype, device: _device, session_options: _session, ...processorOptions } = pretrained as Pretrained & { session_options?: unknown };
  const [model, processor] = await Promise.all([
    tf.Florence2ForConditionalGeneration.from_pretrained(ref, pretrained),
    tf.AutoProcessor.from_pretrained(ref, processorOptions),
  ]);
  const florence = processor as unknown as {
    (image: RawImage): Promise<Record<string, unknown>>;
    construct_prompts(task: string): string[];
    post_process_generation(text: string, task: string, size: [number, number]): Record<string, unknown>;
    tokenizer: {
      (texts: string[]): Record<string, unknown>;
      batch_decode(ids: unknown, options: { skip_special_tokens: boolean }): string[];
    };
  };
  const prompts = florence.construct_prompts(FLORENCE2_CAPTION_TASK);
  return {
    captionOne: async (image) => {
      const textInputs = florence.tokenizer(prompts);
      const visionInputs = await florence(image);
      const ids = await model.generate({ ...textInputs, ...visionInputs, ...generation } as Parameters<typeof model.generate>[0]);
      // Special tokens are kept for the post-processing, which strips them itself (as upstream does).
      const text = florence.tokenizer.batch_decode(ids, { skip_special_tokens: false })[0] ?? '';
      const answer = florence.post_process_generation(text, FLORENCE2_CAPTION_TASK, [image.height, image.width])[FLORENCE2_CAPTION_TASK];
      return typeof answer === 'string' ? answer : '';
    },
    dispose: () => model.dispose(),
  };
}

/** The image as RGB pixels, after checking it is the one the run recorded. */
async function readImage(tf: TransformersModule, image: CaptionImage): Promise<RawImage> {
  const bytes = await readRecordedImage(image);
  try {
    const { data, info } = await sharp(bytes, { failOn: 'error' })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected RGB`);
    return new tf.RawImage(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height, 3);
  } catch (err) {
    throw new NeurolensError('input', textMessages.transformersImageUnreadable(image.absolutePath, oneLine((err as Error).message, 120)), { cause: err });
  }
}
