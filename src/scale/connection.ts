/**
 * Redis connections for BullMQ. Workers retry forever (a restarted Redis is picked up again);
 * the short-lived commands (submit, status) fail fast with one line when Redis cannot be reached.
 */
import { NeurolensError } from '../errors.js';
import { scaleMessages } from '../messages/index.js';

/** Checks the URL's shape, naming the option it came from. */
export function checkRedisUrl(url: string, option = '--redis'): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new NeurolensError('usage', scaleMessages.badRedisUrl(option, url));
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new NeurolensError('usage', scaleMessages.badRedisUrl(option, url));
  return url;
}

/** Options for long-lived connections (workers): BullMQ needs `maxRetriesPerRequest: null` there. */
export function workerConnection(url: string): { url: string; maxRetriesPerRequest: null; retryStrategy: (times: number) => number } {
  // Back off up to 2 s between reconnection attempts, forever: Redis may be restarted mid-run.
  return { url, maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(2000, 100 * times) };
}

/** Pings Redis once with a bounded timeout; throws the one-line "cannot reach" error. */
export async function assertReachable(url: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => {
    // Reported by connect() below; without a listener ioredis would print it.
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new NeurolensError('input', scaleMessages.unreachable(url, error instanceof Error ? error.message : String(error)));
  } finally {
    client.disconnect();
  }
}

/** Options for short-lived connections, once reachability is known. */
export function commandConnection(url: string): { url: string; maxRetriesPerRequest: number } {
  return { url, maxRetriesPerRequest: 3 };
}
