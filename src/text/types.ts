/**
 * The plug points of the text pipeline (captions → text embeddings → clusters → cluster captions)
 * and the one parser for provider ids (`tfidf`, `transformers:<model>`, `openai:<model>`, …).
 * Implementations live elsewhere; the ids key the caches in RUN/concepts/cache/, so an id must
 * name everything that changes the output (model name and revision).
 */
import { NeurolensError } from '../errors.js';
import { textMessages } from '../messages/text.js';

/** Turns texts into embedding rows. */
export interface TextEmbedder {
  /** Canonical provider id (see {@link parseProviderId}); keys the embeddings cache. */
  readonly id: string;
  /** Width of a row. Corpus-fitted embedders (TF-IDF) know it only after `embed`. */
  readonly dims: number;
  /**
   * True (the default) when a text's row depends on that text alone, as for neural embedders, so
   * rows can be cached per text; false for embedders fitted on the whole call (TF-IDF).
   */
  readonly perText?: boolean;
  /** Rows for `texts`, in order: a row-major texts.length × dims float32 matrix. */
  embed(texts: readonly string[]): Promise<Float32Array>;
}

/** One image to caption. */
export interface CaptionImage {
  /** Path relative to the recorded image root (images.parquet `path`). */
  path: string;
  /** Where the image is on this machine. */
  absolutePath: string;
  /** Hex SHA-256 of the image file's bytes (images.parquet `sha256`); keys the captions cache. */
  sha256: string;
}

/** Writes one caption per image. */
export interface Captioner {
  /** Canonical provider id (see {@link parseProviderId}); keys the captions cache. */
  readonly id: string;
  /** Images per `caption` call that suit this captioner (the caching driver batches by it). */
  readonly batchSize?: number;
  /** One caption per image, in order. */
  caption(images: readonly CaptionImage[]): Promise<string[]>;
}

/** What a summarizer gets for one level of the hierarchy. */
export interface ClusterLevel {
  /** One caption per row. */
  captions: readonly string[];
  /** Row-major captions.length × dims float32 embeddings of the captions. */
  embeddings: Float32Array;
  /** Cluster id (0 … k−1) of each row. */
  partition: Int32Array;
  /** Image index of each row; the identity when absent (see {@link ClusterCaption.medoid}). */
  imageIndex?: ArrayLike<number>;
}

/** The caption of one cluster. */
export interface ClusterCaption {
  /** One line describing the cluster. */
  caption: string;
  /** Distinctive words and bigrams of the cluster, most distinctive first. */
  keywords: string[];
  /** Image index of the cluster's most central member (its caption is the extractive caption). */
  medoid: number;
  /** `extractive`: the medoid's own caption; `generated`: written by a language model. */
  method: 'extractive' | 'generated';
}

/** Names clusters: one {@link ClusterCaption} per cluster id, in id order. */
export interface ClusterSummarizer {
  readonly id: string;
  summarize(level: ClusterLevel): Promise<ClusterCaption[]>;
}

// --- provider ids ------------------------------------------------------------------------------

export type ProviderRole = 'embedder' | 'captioner' | 'summarizer';
export type ProviderName = 'tfidf' | 'extractive' | 'transformers' | 'openai';

export interface ProviderId {
  /** Canonical id: `tfidf`, `extractive`, or `provider:model` with the provider lower-cased. */
  id: string;
  provider: ProviderName;
  /** The model name after the first colon, as written (case kept); absent for bare providers. */
  model?: string;
}

interface RoleRules {
  option: string;
  /** Providers written alone. */
  bare: readonly ProviderName[];
  /** Providers written `provider:model`. */
  withModel: readonly ProviderName[];
}

const ROLES: Record<ProviderRole, RoleRules> = {
  embedder: { option: '--embedder', bare: ['tfidf'], withModel: ['transformers', 'openai'] },
  captioner: { option: '--captioner', bare: [], withModel: ['transformers', 'openai'] },
  summarizer: { option: '--summarizer', bare: ['extractive'], withModel: ['transformers', 'openai'] },
};

/** The forms accepted for `role`, as a user writes them. */
export function acceptedProviderIds(role: ProviderRole): string[] {
  const { bare, withModel } = ROLES[role];
  return [...bare, ...withModel.map((p) => `${p}:MODEL`)];
}

/**
 * Parses a provider id for `role`: `tfidf` (embedder), `extractive` (summarizer),
 * `transformers:<model>` and `openai:<model>` (all roles). The provider is matched
 * case-insensitively and surrounding spaces are ignored; the model is everything after the first
 * colon, kept as written. Unknown providers, a missing model, or a model after a bare provider
 * throw a usage `NeurolensError` naming `option` (default `--embedder`/`--captioner`/`--summarizer`).
 */
export function parseProviderId(text: string, role: ProviderRole, option = ROLES[role].option): ProviderId {
  const rules = ROLES[role];
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const prefix = (colon === -1 ? trimmed : trimmed.slice(0, colon)).trim().toLowerCase();
  const model = colon === -1 ? undefined : trimmed.slice(colon + 1).trim();
  const bare = rules.bare.find((p) => p === prefix);
  const withModel = rules.withModel.find((p) => p === prefix);
  if (bare !== undefined) {
    if (model !== undefined && model !== '') throw new NeurolensError('usage', textMessages.providerTakesNoModel(option, bare));
    return { id: bare, provider: bare };
  }
  if (withModel !== undefined) {
    if (model === undefined || model === '') throw new NeurolensError('usage', textMessages.providerNeedsModel(option, withModel));
    return { id: `${withModel}:${model}`, provider: withModel, model };
  }
  throw new NeurolensError('usage', textMessages.providerUnknown(option, trimmed, acceptedProviderIds(role)));
}
