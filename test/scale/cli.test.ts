// The queue commands' one-line errors, and the promise that nothing loads a Redis client unless
// a queue command runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram } from '../../src/cli/program.js';
import { runInProcess } from '../helpers/cli.js';
import { findRedis, freePort, RedisServer } from '../helpers/redis.js';

const env = { NEUROLENS_DEBUG: undefined };

test('submit refuses a URL that is not redis:// in one line naming --redis (exit 2)', async () => {
  const r = await runInProcess(buildProgram(), ['submit', 'record', '--model', 'm.onnx', '--images', 'imgs', '--out', 'run', '--redis', 'http://127.0.0.1:6379'], { env });
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /--redis "http:\/\/127\.0\.0\.1:6379" is not a Redis URL; pass redis:\/\/HOST:PORT/);
});

test('status against a port where no Redis listens: one line, exit 1, says how to start one', async () => {
  const port = await freePort();
  const r = await runInProcess(buildProgram(), ['status', 'run', '--redis', `redis://127.0.0.1:${port}`], { env });
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port} .*start it`));
});

const redis = findRedis();
test('status of a run nothing was queued for says how to queue it', { skip: 'skip' in redis ? redis.skip : false }, async () => {
  const server = await RedisServer.start();
  try {
    const r = await runInProcess(buildProgram(), ['status', 'some-run', '--redis', server.url], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no work for some-run is queued on redis:\/\/.*; queue it with `npx neurolens submit record … --out some-run --redis /);
  } finally {
    await server.stop();
  }
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

test('no module imports bullmq or ioredis at load time (they load inside the queue functions)', () => {
  const root = join(import.meta.dirname, '..', '..', 'src');
  const offenders = sources(root).filter((file) => /^\s*import\s+(?!type\b)[^;]*from\s+['"](bullmq|ioredis)['"]/m.test(readFileSync(file, 'utf8')));
  assert.deepEqual(offenders, []);
  const dynamic = sources(root).filter((file) => /await import\(['"](bullmq|ioredis)['"]\)/.test(readFileSync(file, 'utf8')));
  assert.ok(dynamic.length >= 3, `the queue functions load bullmq/ioredis on demand (found in ${dynamic.length} files)`);
});
