/**
 * User-facing messages of distributed execution (src/scale; see ./index.ts): submitting a stage's
 * shards to Redis, workers, and the status of queued work.
 */
export const scaleMessages = {
  badRedisUrl: (option: string, value: string) =>
    `${option} ${JSON.stringify(value)} is not a Redis URL; pass redis://HOST:PORT (or rediss:// for TLS), e.g. redis://127.0.0.1:6379`,
  unreachable: (url: string, detail: string) =>
    `cannot reach Redis at ${url} (${detail}); start it (\`redis-server --port PORT\`) or pass the URL of a running one with --redis`,
  nothingQueued: (run: string, url: string) =>
    `no work for ${run} is queued on ${url}; queue it with \`npx neurolens submit record … --out ${run} --redis ${url}\``,
  alreadyQueued: (run: string, stage: string, shards: number) =>
    `${stage} of ${run} is already queued as ${shards} shards; nothing was added (see \`npx neurolens status ${run} --redis URL\`)`,
  shardCountChanged: (run: string, stage: string, queued: number, asked: number) =>
    `${stage} of ${run} is already queued as ${queued} shards, not ${asked}; keep --shards ${queued}, or wait for it to end and submit again`,
  otherMethodQueued: (out: string, queued: string, asked: string) =>
    `attribute --method ${queued} of ${out} is still queued, and the shards of one folder are one method's at a time; wait for it (\`npx neurolens status ${out} --redis URL --wait\`), then submit --method ${asked}, or give it another --out`,
  unknownJob: (name: string) => `a job named ${JSON.stringify(name)} is not neurolens work; workers on this queue must all be neurolens workers of the same version`,
  mergeFailed: (run: string, reason: string) => `the queued work for ${run} failed: ${reason}; see \`npx neurolens status ${run} --redis URL\` for the failed shard, fix its cause, and submit again (finished shards are kept)`,
  shardFailed: (index: number, count: number, reason: string) => `shard ${index}/${count} failed: ${reason}`,
  connectionClosed: () => 'the connection closed',
};
