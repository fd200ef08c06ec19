/**
 * Distributed execution over BullMQ/Redis. Import this module only when a command asks for Redis:
 * it loads bullmq and ioredis on first use, never at neurolens' start.
 */
export { submit } from './submit.js';
export { startWorker } from './worker.js';
export { queueStatus, waitForStage, type StatusOptions } from './status.js';
export { checkRedisUrl } from './connection.js';
export { SHARDED_STAGES } from './types.js';
export type * from './types.js';
export { DEFAULT_QUEUE, DEFAULT_SHARDS, DEFAULT_ATTEMPTS } from './jobs.js';
