/** The text side of the concept hierarchy: captions, caches, text embeddings, cluster captions. */
export {
  parseProviderId,
  acceptedProviderIds,
  type TextEmbedder,
  type Captioner,
  type CaptionImage,
  type ClusterSummarizer,
  type ClusterLevel,
  type ClusterCaption,
  type ProviderId,
  type ProviderName,
  type ProviderRole,
} from './types.js';
export { ENGLISH_STOP_WORDS, tokenize, textFeatures, type StopWordsOption } from './tokenize.js';
export { parseCsv, type CsvRecord } from './csv.js';
export {
  loadCaptions,
  captionPathKey,
  cleanCaption,
  detectCaptionsFormat,
  type CaptionsFormat,
  type LoadCaptionsOptions,
  type LoadedCaptions,
} from './captions-file.js';
export { CaptionCache, EmbeddingCache, cacheDir, textKey, embedderSlug, type CachedCaption } from './cache.js';
export { captionImagesCached, embedTextsCached, type CachedProgress, type CachedRunOptions, type CachedCounts } from './cached.js';
export { tfidf, TfidfEmbedder, DEFAULT_MAX_FEATURES, type TfidfOptions, type TfidfResult, type CsrMatrix } from './tfidf.js';
export {
  extractiveCaptions,
  extractiveSummarizer,
  clusterMembers,
  clusterMedoids,
  clusterKeywords,
  type ExtractiveOptions,
} from './extractive.js';
