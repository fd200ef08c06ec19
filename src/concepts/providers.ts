/**
 * Turning `--captioner`, `--embedder` and `--summarizer` ids into implementations. Offline defaults
 * (tfidf, extractive) need nothing; `openai:<model>` talks to any OpenAI-compatible server
 * (`--base-url`, key from OPENAI_API_KEY); `transformers:<model>` runs a local model through the
 * optional @huggingface/transformers package.
 */
import { join } from 'node:path';
import { NeurolensError } from '../errors.js';
import { conceptMessages } from '../messages/index.js';
import { LlmClient } from '../llm/client.js';
import { OpenAiCaptioner } from '../llm/caption.js';
import { OpenAiEmbedder } from '../llm/embed.js';
import { OpenAiSummarizer } from '../llm/summarize.js';
import { parseProviderId } from '../text/index.js';
import { TransformersCaptioner, TransformersEmbedder } from '../text/transformers/index.js';
import type { Captioner, TextEmbedder } from '../text/types.js';
import { CONCEPTS_DEFAULTS } from './defaults.js';

export interface ProviderOptions {
  /** Base URL of the OpenAI-compatible server (default OPENAI_BASE_URL or api.openai.com). */
  baseUrl?: string;
  /** Let `transformers:` fetch models from the Hugging Face hub (default: local folders only). */
  allowRemote?: boolean;
  /** Captions sampled per cluster for an LLM summary. */
  sampleK?: number;
  seed?: number;
  /** The run folder: LLM answers are cached under RUN/concepts/cache/llm. */
  run: string;
}

export interface Providers {
  captioner?: Captioner;
  /** undefined = the built-in tf-idf embedder. */
  embedder?: TextEmbedder;
  embedderId: string;
  summarizer?: OpenAiSummarizer;
  summarizerId: string;
}

export async function createProviders(ids: { captioner?: string; embedder?: string; summarizer?: string }, options: ProviderOptions): Promise<Providers> {
  let client: LlmClient | undefined;
  const llm = () => (client ??= new LlmClient({ baseURL: options.baseUrl, cacheDir: join(options.run, 'concepts', 'cache', 'llm') }));
  const providers: Providers = { embedderId: 'tfidf', summarizerId: 'extractive' };
  if (ids.captioner) {
    const parsed = parseProviderId(ids.captioner, 'captioner', '--captioner');
    if (parsed.provider === 'openai') providers.captioner = new OpenAiCaptioner({ client: llm(), model: parsed.model!, cache: false });
    else if (parsed.provider === 'transformers') providers.captioner = new TransformersCaptioner({ model: parsed.model!, allowRemote: options.allowRemote ?? false });
    else throw new NeurolensError('usage', conceptMessages.providerUnavailable('--captioner', parsed.id));
  }
  const embedder = parseProviderId(ids.embedder ?? CONCEPTS_DEFAULTS.embedder, 'embedder', '--embedder');
  providers.embedderId = embedder.id;
  if (embedder.provider === 'openai') providers.embedder = new OpenAiEmbedder({ client: llm(), model: embedder.model!, cache: false });
  else if (embedder.provider === 'transformers') providers.embedder = new TransformersEmbedder({ model: embedder.model!, allowRemote: options.allowRemote ?? false });
  const summarizer = parseProviderId(ids.summarizer ?? CONCEPTS_DEFAULTS.summarizer, 'summarizer', '--summarizer');
  providers.summarizerId = summarizer.id;
  if (summarizer.provider === 'openai') {
    providers.summarizer = new OpenAiSummarizer({ client: llm(), model: summarizer.model!, sampleK: options.sampleK, seed: options.seed });
  } else if (summarizer.provider !== 'extractive') {
    throw new NeurolensError('usage', conceptMessages.providerUnavailable('--summarizer', summarizer.id));
  }
  return providers;
}
