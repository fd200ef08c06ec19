import { readRecordedImage } from '../text/recorded-image.js';
import sharp from 'sharp';
import { NeurolensError } from '../errors.js';
import { llmMessages } from '../messages/llm.js';
import { sha256 } from '../store/hash.js';
import type { CaptionImage, Captioner } from '../text/types.js';
import type { ChatBody, LlmClient } from './client.js';
import { oneLine } from './errors.js';
import { mapBounded } from './limiter.js';
import { cleanCaption } from './structured.js';

/**
 * `--captioner openai:<model>`: one chat completion per image, the image sent as a base64 data URL
 * next to a short instruction — the form OpenAI, Ollama, vLLM and llama.cpp server all accept for
 * vision models. Requests are cached by (image sha256, model, prompt, settings): the cache key
 * holds `sha256:<hex>` where the data URL goes, so a hit never reads the image.
 */

export const DEFAULT_CAPTION_PROMPT =
  'Describe the main visible content of this image in one short sentence of at most 15 words. ' +
  'Answer with the sentence only.';

export interface CaptionOptions {
  client: LlmClient;
  /** Vision model id on the server (`openai:<model>` without the prefix). */
  model: string;
  /** The instruction sent with each image. Default {@link DEFAULT_CAPTION_PROMPT}. */
  prompt?: string;
  /** Token limit of a caption, sent as `max_tokens`. Default: none (the prompt asks for one sentence). */
  maxTokens?: number;
  /** OpenAI's image `detail` (`low` is cheapest); other servers ignore it. Default: not sent. */
  detail?: 'low' | 'high' | 'auto';
  /** Sampling temperature; null omits it. Default 0 (with `seed` 0: reproducible on servers that honour both). */
  temperature?: number | null;
  /** Use the client's response cache (when it has one). Default true. */
  cache?: boolean;
  onProgress?: (progress: { done: number; total: number }) => void;
}

/** The image to caption: where it is and the sha256 of its bytes (as images.parquet records it). */
export interface ImageRef {
  absolutePath: string;
  sha256: string;
}

/**
 * One caption per image, in order (whitespace collapsed, wrapping quotes and final full stop
 * removed). An image the model refuses or answers with nothing gets an empty caption.
 *
 * @throws NeurolensError('input') when an image is missing or changed since it was recorded, and
 *   the client's NeurolensErrors when the server fails.
 */
export async function captionImages(images: readonly ImageRef[], options: CaptionOptions): Promise<string[]> {
  const { client } = options;
  let done = 0;
  // At most `concurrency` images are read and encoded at a time: memory stays bounded.
  return mapBounded(images, client.concurrency, async (image) => {
    const body = captionRequest(image.sha256, options);
    const reply = await client.chat({ body, resolve: (b) => withImageData(b, image), ...(options.cache === false ? { noCache: true } : {}) });
    options.onProgress?.({ done: ++done, total: images.length });
    return cleanCaption(reply.content ?? '');
  });
}

const PLACEHOLDER_PREFIX = 'sha256:';

/** The request as cached: the image appears as `sha256:<hex>`. */
function captionRequest(imageSha256: string, options: CaptionOptions): ChatBody {
  const temperature = options.temperature === undefined ? 0 : options.temperature;
  return {
    model: options.model,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: options.prompt ?? DEFAULT_CAPTION_PROMPT },
          { type: 'image_url', image_url: { url: `${PLACEHOLDER_PREFIX}${imageSha256}`, ...(options.detail ? { detail: options.detail } : {}) } },
        ],
      },
    ],
    seed: 0,
    ...(temperature === null ? {} : { temperature }),
    ...(options.maxTokens === undefined ? {} : { max_tokens: options.maxTokens }),
  };
}

/** `body` with the placeholder replaced by the image's data URL (read from disk, checked against its sha256). */
async function withImageData(body: ChatBody, image: ImageRef): Promise<ChatBody> {
  const url = await imageDataUrl(image);
  const messages = body.messages.map((message) => {
    if (message.role !== 'user' || typeof message.content === 'string') return message;
    const content = message.content.map((part) =>
      part.type === 'image_url' && part.image_url.url.startsWith(PLACEHOLDER_PREFIX) ? { ...part, image_url: { ...part.image_url, url } } : part,
    );
    return { ...message, content };
  });
  return { ...body, messages };
}

/** PNG, JPEG, GIF and WebP are sent as they are; anything else (TIFF, AVIF, ...) is converted to PNG. */
export async function imageDataUrl(image: ImageRef): Promise<string> {
  let bytes = await readRecordedImage(image);
  let mime = sniffMime(bytes);
  if (mime === undefined) {
    try {
      bytes = await sharp(bytes, { failOn: 'error' }).png().toBuffer();
    } catch (err) {
      throw new NeurolensError('input', llmMessages.imageUnsupported(image.absolutePath, oneLine((err as Error).message, 120)), { cause: err });
    }
    mime = 'image/png';
  }
  return `data:${mime};base64,${bytes.toString('base64')}`;
}

function sniffMime(bytes: Buffer): string | undefined {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.subarray(0, 6).toString('latin1'))) return 'image/gif';
  if (bytes.length >= 12 && bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return undefined;
}

/** {@link captionImages} as the text pipeline's {@link Captioner} (id `openai:<model>`). */
export class OpenAiCaptioner implements Captioner {
  readonly id: string;
  /** Enough images per call to keep every concurrency slot busy while the driver caches batch by batch. */
  readonly batchSize: number;

  constructor(private readonly options: Omit<CaptionOptions, 'onProgress'>) {
    this.id = `openai:${options.model}`;
    this.batchSize = options.client.concurrency * 4;
  }

  caption(images: readonly CaptionImage[]): Promise<string[]> {
    return captionImages(images, this.options);
  }
}
