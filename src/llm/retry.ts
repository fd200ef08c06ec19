import { sha256 } from '../store/hash.js';

/**
 * When and how long to wait before retrying a failed request. The openai SDK's own retries are
 * switched off (`maxRetries: 0`) so this one policy applies to every endpoint, is reported through
 * `onRetry`, and is deterministic: the jitter comes from a hash of the request, not from
 * Math.random, so the same run waits the same times.
 */
export interface RetryPolicy {
  /** Attempts per request, the first included (so `maxAttempts - 1` retries). Default 4. */
  maxAttempts: number;
  /** Backoff before the first retry, in ms; it doubles per retry. Default 1000. */
  baseDelayMs: number;
  /** Upper bound of the exponential backoff, in ms. Default 30000. */
  maxDelayMs: number;
  /**
   * The longest `Retry-After` the client will wait, in ms. A server asking for longer (a daily
   * quota, typically) is not retried: the error is reported at once. Default 60000.
   */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
});

/**
 * Exponential backoff with "equal jitter": retry `n` (1-based) waits between half and all of
 * min(maxDelay, base·2^(n-1)). The jitter fraction is a hash of (`jitterKey`, n) — different
 * requests spread out, yet each request's waits are reproducible.
 */
export function backoffDelayMs(policy: RetryPolicy, retry: number, jitterKey: string): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const fraction = Number.parseInt(sha256(`${jitterKey}:${retry}`).slice(0, 8), 16) / 2 ** 32;
  return Math.round(ceiling * (0.5 + 0.5 * fraction));
}

/**
 * The wait a response asks for, in ms: `retry-after-ms` (OpenAI's, fractional ms), else
 * `Retry-After` as seconds or an HTTP date. Undefined when absent or unparsable.
 */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined, nowMs: number): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms != null && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Math.ceil(Number(ms));
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
