/** The `transformers:<model>` providers (optional peer dependency `@huggingface/transformers`). */
export { TransformersEmbedder, DEFAULT_TRANSFORMERS_EMBED_BATCH, type TransformersEmbedderOptions } from './embedder.js';
export { TransformersCaptioner, DEFAULT_CAPTION_MAX_NEW_TOKENS, FLORENCE2_CAPTION_TASK, type TransformersCaptionerOptions } from './captioner.js';
export { resolveModel, type ModelRef, type TransformersSourceOptions } from './load.js';
