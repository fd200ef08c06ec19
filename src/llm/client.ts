import { setTimeout as delay } from 'node:timers/promises';
import OpenAI from 'openai';
import { NeurolensError } from '../errors.js';
import { llmMessages } from '../messages/llm.js';
import { ResponseCache, cacheKey } from './cache.js';
import { classify, displayServer, exhaustedError, oneLine, type RetryReason } from './errors.js';
import { Limiter } from './limiter.js';
import { DEFAULT_RETRY_POLICY, backoffDelayMs, type RetryPolicy } from './retry.js';

/**
 * The one door to an OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp server) used for
 * captions, embeddings and cluster summaries: a thin wrapper over the `openai` SDK that adds
 * neurolens' policies on top of its transport —
 * - a concurrency limit shared by every call made through this client;
 * - one retry policy (see ./retry.ts; the SDK's own retries are off so every retry is reported
 *   through `onRetry` and the waits are deterministic);
 * - a per-request timeout (the SDK's, which aborts the HTTP request);
 * - a response cache in the RUN (./cache.ts), so a re-run sends nothing it already sent;
 * - one-line NeurolensErrors quoting the server's message (./errors.ts).
 */

export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
/** Sent when OPENAI_API_KEY is unset: local servers ignore the key but the SDK needs one. */
export const PLACEHOLDER_API_KEY = 'no-key-needed';
export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_CONCURRENCY = 4;

export interface RetryEvent {
  /** Endpoint path: `chat/completions` or `embeddings`. */
  endpoint: string;
  model: string;
  /** The attempt that failed, 1-based; the next one is `attempt + 1`. */
  attempt: number;
  /** How long the client waits before the next attempt (Retry-After when given, else backoff). */
  delayMs: number;
  reason: RetryReason;
  /** HTTP status, absent for timeouts and network failures. */
  status?: number;
  /** The server's message, or the network error, on one line. */
  detail: string;
}

export interface LlmClientOptions {
  /**
   * Base URL of the OpenAI-compatible API, ending in `/v1`: Ollama `http://localhost:11434/v1`,
   * vLLM `http://localhost:8000/v1`, llama.cpp server `http://localhost:8080/v1`. Default: the
   * OPENAI_BASE_URL environment variable, else https://api.openai.com/v1.
   */
  baseURL?: string;
  /**
   * API key. Default: the OPENAI_API_KEY environment variable; when that is unset a placeholder
   * is sent, which local servers accept (they need no key).
   */
  apiKey?: string;
  /** Time allowed for one HTTP request before it is aborted and retried, in ms. Default 120000. */
  timeoutMs?: number;
  /** Requests in flight at once through this client, all endpoints together. Default 4. */
  concurrency?: number;
  /** Overrides of {@link DEFAULT_RETRY_POLICY} (4 attempts, 1 s doubling to 30 s, Retry-After ≤ 60 s). */
  retry?: Partial<RetryPolicy>;
  /** Folder of the response cache, normally inside the RUN. Without it nothing is cached. */
  cacheDir?: string;
  /** Called before each retry's wait, for logging; the library itself never prints. */
  onRetry?: (event: RetryEvent) => void;
  /** How to wait between attempts (tests replace it to observe the waits). Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Where OPENAI_API_KEY / OPENAI_BASE_URL are read from. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

export type ChatBody = OpenAI.ChatCompletionCreateParamsNonStreaming;

/** What is kept of a chat completion: the first choice's text, refusal and finish reason. */
export interface ChatReply {
  content: string | null;
  refusal: string | null;
  finishReason: string | null;
}

export interface ChatCall {
  /** The request as it identifies itself in the cache (it may hold placeholders, see `resolve`). */
  body: ChatBody;
  /**
   * Turns `body` into what is actually sent, on a cache miss only — e.g. replaces an image's
   * sha256 by its base64 data URL, so the cache key stays small and a hit never reads the file.
   */
  resolve?: (body: ChatBody) => Promise<ChatBody>;
  /** Neither read nor write the response cache for this call. */
  noCache?: boolean;
}

/**
 * `openai:<model>` → `<model>`; undefined for other providers (e.g. `extractive`). `option` names
 * the CLI option in the error for a bare `openai:`.
 */
export function parseOpenAiSpec(option: string, spec: string): string | undefined {
  if (!spec.startsWith('openai:')) return undefined;
  const model = spec.slice('openai:'.length).trim();
  if (!model) throw new NeurolensError('usage', llmMessages.badSpec(option, spec));
  return model;
}

export class LlmClient {
  readonly baseURL: string;
  /** The base URL as printed in messages (no credentials). */
  readonly server: string;
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly retry: Readonly<RetryPolicy>;
  readonly cache: ResponseCache | undefined;
  private readonly sdk: OpenAI;
  private readonly limiter: Limiter;
  private readonly onRetry: ((event: RetryEvent) => void) | undefined;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Identical chat requests made while one is pending share its answer (and its single request). */
  private readonly pending = new Map<string, Promise<ChatReply>>();

  constructor(options: LlmClientOptions = {}) {
    const env = options.env ?? process.env;
    this.baseURL = options.baseURL ?? (env.OPENAI_BASE_URL || DEFAULT_BASE_URL);
    this.server = displayServer(this.baseURL);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.retry = Object.freeze({ ...DEFAULT_RETRY_POLICY, ...options.retry });
    if (!Number.isInteger(this.retry.maxAttempts) || this.retry.maxAttempts < 1) {
      throw new RangeError(`LlmClient: retry.maxAttempts must be an integer ≥ 1, got ${this.retry.maxAttempts}`);
    }
    if (!(this.timeoutMs > 0)) throw new RangeError(`LlmClient: timeoutMs must be > 0, got ${this.timeoutMs}`);
    this.cache = options.cacheDir === undefined ? undefined : new ResponseCache(options.cacheDir);
    this.limiter = new Limiter(this.concurrency);
    this.onRetry = options.onRetry;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    this.sdk = new OpenAI({
      baseURL: this.baseURL,
      apiKey: options.apiKey ?? (env.OPENAI_API_KEY || PLACEHOLDER_API_KEY),
      timeout: this.timeoutMs,
      maxRetries: 0, // our policy, see send()
      logLevel: 'off', // the library never prints
    });
  }

  /** One chat completion (non-streaming), served from the cache when this exact request was made before. */
  async chat(call: ChatCall): Promise<ChatReply> {
    const key = cacheKey('chat/completions', call.body.model, call.body);
    const shared = this.pending.get(key);
    if (shared) return shared;
    const promise = this.chatOnce(key, call).finally(() => this.pending.delete(key));
    this.pending.set(key, promise);
    return promise;
  }

  private async chatOnce(key: string, call: ChatCall): Promise<ChatReply> {
    const cache = call.noCache ? undefined : this.cache;
    const hit = await cache?.get(key);
    if (isChatReply(hit)) return hit;
    const body = call.resolve ? await call.resolve(call.body) : call.body;
    const completion = await this.send('chat/completions', body.model, key, () => this.sdk.chat.completions.create(body));
    const choice = (completion as Partial<OpenAI.ChatCompletion> | null)?.choices?.[0];
    if (!choice?.message) {
      throw new NeurolensError('runtime', llmMessages.notJson(this.server, 'no choices[0].message in the chat completion'));
    }
    const reply: ChatReply = {
      content: typeof choice.message.content === 'string' ? choice.message.content : null,
      refusal: typeof choice.message.refusal === 'string' ? choice.message.refusal : null,
      finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
    };
    await cache?.set(key, 'chat/completions', body.model, reply);
    return reply;
  }

  /**
   * One embeddings request, uncached (./embed.ts caches per text). Floats are asked for
   * explicitly: the SDK would otherwise ask for base64, which not every local server speaks.
   */
  async embeddings(body: Omit<OpenAI.EmbeddingCreateParams, 'encoding_format'> & { input: string[] }): Promise<OpenAI.CreateEmbeddingResponse> {
    const jitterKey = cacheKey('embeddings', body.model, { ...body, input: body.input.length });
    return this.send('embeddings', body.model, jitterKey, () =>
      this.sdk.embeddings.create({ ...body, encoding_format: 'float' }),
    );
  }

  /**
   * Runs `request` under the concurrency limit, retrying per the policy. A slot is held only while
   * a request is on the wire, not during the waits between attempts.
   */
  private async send<T>(endpoint: string, model: string, jitterKey: string, request: () => Promise<T>): Promise<T> {
    const ctx = { server: this.server, model };
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.limiter.run(request);
      } catch (err) {
        const problem = classify(err, ctx);
        if (!problem.retryable) throw problem.error;
        if (problem.retryAfterMs !== undefined && problem.retryAfterMs > this.retry.maxRetryAfterMs) {
          const message = llmMessages.retryAfterTooLong(this.server, Math.ceil(problem.retryAfterMs / 1000), problem.status ?? 0, problem.detail);
          throw new NeurolensError('runtime', message, { cause: err });
        }
        if (attempt >= this.retry.maxAttempts) throw exhaustedError(problem, ctx, attempt, this.timeoutMs, err);
        const delayMs = problem.retryAfterMs ?? backoffDelayMs(this.retry, attempt, jitterKey);
        this.onRetry?.({
          endpoint, model, attempt, delayMs, reason: problem.reason,
          ...(problem.status === undefined ? {} : { status: problem.status }),
          detail: oneLine(problem.detail),
        });
        await this.sleep(delayMs);
      }
    }
  }
}

function isChatReply(value: unknown): value is ChatReply {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  const stringOrNull = (x: unknown) => x === null || typeof x === 'string';
  return stringOrNull(v.content) && stringOrNull(v.refusal) && stringOrNull(v.finishReason);
}
