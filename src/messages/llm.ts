/**
 * User-facing messages for the OpenAI-compatible client behind `--captioner`, `--embedder` and
 * `--summarizer openai:<model>` (see ./index.ts). `server` is the base URL without credentials;
 * `detail` is the server's own one-line message.
 */
export const llmMessages = {
  badSpec: (option: string, spec: string) =>
    `${option} '${spec}' names no model; write ${option} openai:<model>, e.g. openai:gpt-4o-mini or openai:llava for Ollama`,
  unauthorized: (server: string, detail: string) =>
    `${server} rejected the API key (HTTP 401: ${detail}); set OPENAI_API_KEY to a valid key (local servers such as Ollama, vLLM or llama.cpp need none — then check --base-url)`,
  forbidden: (server: string, model: string, detail: string) =>
    `${server} refused access to model '${model}' (HTTP 403: ${detail}); use a key in OPENAI_API_KEY that may use it, or another model`,
  notFound: (server: string, model: string, detail: string) =>
    `${server} has no model '${model}' or no such endpoint (HTTP 404: ${detail}); check the model name (pull it first on Ollama) and that --base-url ends in /v1`,
  rejected: (server: string, model: string, status: number, detail: string) =>
    `${server} rejected the request for model '${model}' (HTTP ${status}: ${detail}); check that the model supports this use (images for --captioner, embeddings for --embedder, JSON schema output for --summarizer)`,
  quota: (server: string, detail: string) =>
    `${server} says the account is out of quota (HTTP 429: ${detail}); add credit or use another key in OPENAI_API_KEY, then re-run the same command (finished calls are cached)`,
  retryAfterTooLong: (server: string, seconds: number, status: number, detail: string) =>
    `${server} asks to wait ${seconds} s before retrying (HTTP ${status}: ${detail}); re-run the same command later (finished calls are cached)`,
  gaveUp: (server: string, attempts: number, status: number, detail: string) =>
    `${server} failed ${attempts} time(s) in a row (last: HTTP ${status}: ${detail}); re-run the same command when the server is healthy (finished calls are cached)`,
  timedOut: (server: string, attempts: number, timeoutMs: number) =>
    `${server} did not answer within ${timeoutMs} ms, ${attempts} time(s) in a row; check the server is not overloaded, raise the request timeout, or re-run the same command (finished calls are cached)`,
  unreachable: (server: string, attempts: number, detail: string) =>
    `cannot reach ${server} (${detail}) after ${attempts} attempt(s); start the server or fix --base-url (Ollama: http://localhost:11434/v1)`,
  notJson: (server: string, detail: string) =>
    `${server} answered with something that is not an OpenAI-compatible JSON response (${detail}); check that --base-url points at the API (usually ending in /v1)`,
  badEmbeddings: (server: string, model: string, detail: string) =>
    `${server} returned unusable embeddings for model '${model}' (${detail}); check that '${model}' is an embedding model`,
  embeddingDimsChanged: (model: string, cached: number, now: number, cacheDir: string) =>
    `embeddings from model '${model}' now have ${now} dimensions but cached ones have ${cached}; delete ${cacheDir} to start afresh, or use the model that made the cache`,
  imageMissing: (path: string) =>
    `cannot read image ${path} (no such file); restore it, or re-record the run if the image folder moved`,
  imageChanged: (path: string) =>
    `${path} changed since it was recorded (its sha256 differs from the run's); restore the original image or record the run again`,
  imageUnsupported: (path: string, detail: string) =>
    `cannot send ${path} to the captioner: it could not be converted to PNG (${detail}); remove or convert the image`,
} as const;
