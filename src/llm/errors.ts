import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { NeurolensError } from '../errors.js';
import { llmMessages } from '../messages/llm.js';
import { retryAfterMs } from './retry.js';

/**
 * Sorts what the openai SDK throws into "worth retrying" (rate limits, 408/409/5xx, timeouts,
 * network failures) and "the user must fix something" (400/401/403/404/422, out of quota), and
 * turns the latter — and the former once retries run out — into one-line NeurolensErrors that
 * quote the server's own message.
 */

export type RetryReason = 'rate-limited' | 'server-error' | 'timeout' | 'network';

export type Classified =
  | { retryable: true; reason: RetryReason; status?: number; detail: string; retryAfterMs?: number }
  | { retryable: false; error: NeurolensError };

export interface ErrorContext {
  /** The base URL as shown to the user (see {@link displayServer}). */
  server: string;
  model: string;
}

/** A message on one line, at most `max` characters: server texts can hold stack traces or HTML. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The base URL without credentials or a trailing slash, safe to print. */
export function displayServer(baseURL: string): string {
  try {
    const url = new URL(baseURL);
    url.username = '';
    url.password = '';
    url.search = '';
    return url.toString().replace(/\/+$/, '');
  } catch {
    return baseURL;
  }
}

/** The server's message from an error body `{"error": {"message": ...}}` (or a bare string/text). */
function serverMessage(err: APIError): string {
  const body = err.error as unknown;
  if (typeof body === 'string' && body.trim()) return oneLine(body);
  if (body && typeof body === 'object') {
    const message = (body as { message?: unknown }).message;
    if (typeof message === 'string' && message.trim()) return oneLine(message);
    return oneLine(JSON.stringify(body));
  }
  // No JSON body: the SDK's message is "<status> <text>" or "<status> status code (no body)".
  const text = err.message.replace(/^\d{3}\s+/, '');
  return oneLine(text || `HTTP ${err.status ?? '?'}`);
}

/** The innermost useful reason of a connection failure (ECONNREFUSED, ENOTFOUND, ...). */
function networkDetail(err: unknown): string {
  let current: unknown = err;
  let message = 'connection error';
  for (let depth = 0; depth < 5 && current; depth++) {
    const { code, message: text } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && code) return code;
    if (typeof text === 'string' && text) message = text;
    current = (current as { cause?: unknown }).cause;
  }
  return oneLine(message, 120);
}

export function classify(err: unknown, ctx: ErrorContext): Classified {
  if (err instanceof APIConnectionTimeoutError) return { retryable: true, reason: 'timeout', detail: 'timed out' };
  if (err instanceof APIConnectionError) return { retryable: true, reason: 'network', detail: networkDetail(err) };
  if (err instanceof APIError && typeof err.status === 'number') {
    const status = err.status;
    const detail = serverMessage(err);
    const fatal = (message: string) => ({ retryable: false as const, error: new NeurolensError('usage', message, { cause: err }) });
    if (status === 429) {
      // OpenAI answers 429 both for "slow down" and for "no credit left"; only the first passes.
      if (err.code === 'insufficient_quota') return fatal(llmMessages.quota(ctx.server, detail));
      return { retryable: true, reason: 'rate-limited', status, detail, retryAfterMs: retryAfterMs(err.headers, Date.now()) };
    }
    if (status === 408 || status === 409 || status >= 500) {
      return { retryable: true, reason: 'server-error', status, detail, retryAfterMs: retryAfterMs(err.headers, Date.now()) };
    }
    if (status === 401) return fatal(llmMessages.unauthorized(ctx.server, detail));
    if (status === 403) return fatal(llmMessages.forbidden(ctx.server, ctx.model, detail));
    if (status === 404) return fatal(llmMessages.notFound(ctx.server, ctx.model, detail));
    return fatal(llmMessages.rejected(ctx.server, ctx.model, status, detail));
  }
  // A 2xx whose body is not JSON (a web page at the wrong URL, say): the SDK's parse fails.
  if (err instanceof SyntaxError) {
    return { retryable: false, error: new NeurolensError('runtime', llmMessages.notJson(ctx.server, oneLine(err.message, 120)), { cause: err }) };
  }
  throw err;
}

/** The error reported once every attempt failed with a retryable problem. */
export function exhaustedError(
  last: Extract<Classified, { retryable: true }>,
  ctx: ErrorContext,
  attempts: number,
  timeoutMs: number,
  cause: unknown,
): NeurolensError {
  const message =
    last.reason === 'timeout'
      ? llmMessages.timedOut(ctx.server, attempts, timeoutMs)
      : last.reason === 'network'
        ? llmMessages.unreachable(ctx.server, attempts, last.detail)
        : llmMessages.gaveUp(ctx.server, attempts, last.status ?? 0, last.detail);
  return new NeurolensError('runtime', message, { cause });
}
