import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ResponseCache, cacheKey, canonicalJson } from '../../src/llm/cache.js';
import { Limiter, mapBounded } from '../../src/llm/limiter.js';
import { DEFAULT_RETRY_POLICY, backoffDelayMs, retryAfterMs } from '../../src/llm/retry.js';
import { CAPTION_SCHEMA, DIFFERENCES_SCHEMA, jsonSchemaFormat, parseJsonReply, validateJson } from '../../src/llm/schema.js';
import { withTempDir } from './server.js';

describe('schema validation', () => {
  it('accepts conforming values', () => {
    assert.equal(validateJson(CAPTION_SCHEMA, { caption: 'red apples' }), undefined);
    assert.equal(validateJson(DIFFERENCES_SCHEMA, { differences: [] }), undefined);
    assert.equal(validateJson(DIFFERENCES_SCHEMA, { differences: [{ id: 'a', difference: 'x' }] }), undefined);
  });

  it('names the first problem with its path', () => {
    assert.equal(validateJson(CAPTION_SCHEMA, ['x']), '$: expected an object, got an array');
    assert.equal(validateJson(CAPTION_SCHEMA, null), '$: expected an object, got null');
    assert.equal(validateJson(CAPTION_SCHEMA, {}), "$: missing property 'caption'");
    assert.equal(validateJson(CAPTION_SCHEMA, { caption: 3 }), '$.caption: expected a string, got number');
    assert.equal(validateJson(CAPTION_SCHEMA, { caption: 'x', why: 'y' }), "$: unexpected property 'why'");
    assert.equal(validateJson(DIFFERENCES_SCHEMA, { differences: {} }), '$.differences: expected an array, got an object');
    assert.equal(validateJson(DIFFERENCES_SCHEMA, { differences: [{ id: 'a', difference: 'x' }, { id: 'b' }] }), "$.differences[1]: missing property 'difference'");
  });

  it('builds a strict json_schema response_format', () => {
    assert.deepEqual(jsonSchemaFormat('cluster_caption', CAPTION_SCHEMA), {
      type: 'json_schema', json_schema: { name: 'cluster_caption', strict: true, schema: CAPTION_SCHEMA },
    });
  });

  it('parses JSON replies, tolerating one code fence', () => {
    assert.deepEqual(parseJsonReply('{"caption": "a"}'), { ok: true, value: { caption: 'a' } });
    assert.deepEqual(parseJsonReply('```json\n{"caption": "a"}\n```'), { ok: true, value: { caption: 'a' } });
    const bad = parseJsonReply('Sure! {"caption": "a"}');
    assert.equal(bad.ok, false);
    assert.match(!bad.ok ? bad.problem : '', /^not JSON/);
  });
});

describe('response cache', () => {
  it('keys requests by canonical JSON of (endpoint, model, body)', () => {
    assert.equal(canonicalJson({ b: [1, { d: 'x', c: null }], a: true, u: undefined }), '{"a":true,"b":[1,{"c":null,"d":"x"}]}');
    assert.equal(cacheKey('chat/completions', 'm', { x: 1, y: 2 }), cacheKey('chat/completions', 'm', { y: 2, x: 1 }));
    assert.notEqual(cacheKey('chat/completions', 'm', { x: 1 }), cacheKey('chat/completions', 'm2', { x: 1 }));
    assert.notEqual(cacheKey('chat/completions', 'm', { x: 1 }), cacheKey('embeddings', 'm', { x: 1 }));
    assert.match(cacheKey('e', 'm', {}), /^[0-9a-f]{64}$/);
    assert.throws(() => canonicalJson({ x: Number.NaN }), TypeError);
  });

  it('stores one JSON file per key, sharded by the first two hex characters', async () => {
    await withTempDir(async (dir) => {
      const cache = new ResponseCache(dir);
      const key = cacheKey('chat/completions', 'm', { q: 1 });
      assert.equal(await cache.get(key), undefined);
      await cache.set(key, 'chat/completions', 'm', { content: 'hello' });
      assert.deepEqual(await cache.get(key), { content: 'hello' });
      assert.deepEqual(await readdir(dir), [key.slice(0, 2)]);
      assert.deepEqual(await readdir(join(dir, key.slice(0, 2))), [`${key}.json`], 'no temp files left');
      const stored = JSON.parse(await readFile(cache.pathFor(key), 'utf8'));
      assert.deepEqual(stored, { format: 1, key, endpoint: 'chat/completions', model: 'm', value: { content: 'hello' } });
    });
  });

  it('treats a damaged or foreign entry as missing', async () => {
    await withTempDir(async (dir) => {
      const cache = new ResponseCache(dir);
      const key = cacheKey('e', 'm', 1);
      await cache.set(key, 'e', 'm', 'v');
      await writeFile(cache.pathFor(key), '{"format":1,"key":"');
      assert.equal(await cache.get(key), undefined);
      const other = cacheKey('e', 'm', 2);
      await writeFile(cache.pathFor(key), JSON.stringify({ format: 1, key: other, value: 'w' }));
      assert.equal(await cache.get(key), undefined);
      assert.throws(() => cache.pathFor('../etc'), TypeError);
    });
  });
});

describe('limiter', () => {
  it('runs at most `limit` tasks at once, in FIFO order', async () => {
    const limiter = new Limiter(2);
    let active = 0;
    let peak = 0;
    const started: number[] = [];
    await Promise.all(Array.from({ length: 6 }, (_, i) => limiter.run(async () => {
      started.push(i);
      active += 1;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active -= 1;
      if (i === 3) throw new Error('task 3 fails');
      return i;
    }).catch(() => -1)));
    assert.equal(peak, 2);
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5]);
    assert.throws(() => new Limiter(0), RangeError);
  });

  it('mapBounded keeps order, bounds pending calls and rethrows the first failure', async () => {
    let pending = 0;
    let peak = 0;
    const out = await mapBounded([5, 1, 3, 2], 2, async (x) => {
      pending += 1;
      peak = Math.max(peak, pending);
      await new Promise((r) => setTimeout(r, x));
      pending -= 1;
      return x * 10;
    });
    assert.deepEqual(out, [50, 10, 30, 20]);
    assert.equal(peak, 2);
    const seen: number[] = [];
    await assert.rejects(mapBounded([1, 2, 3, 4, 5], 1, async (x) => {
      seen.push(x);
      if (x === 2) throw new Error('two');
      return x;
    }), /two/);
    assert.deepEqual(seen, [1, 2], 'no new work after a failure');
    assert.deepEqual(await mapBounded([], 4, async (x) => x), []);
  });
});

describe('retry policy', () => {
  it('doubles the backoff up to the cap, with a jitter in [½, 1] that is reproducible', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1000, maxDelayMs: 30_000 };
    for (let retry = 1; retry <= 8; retry++) {
      const ceiling = Math.min(30_000, 1000 * 2 ** (retry - 1));
      const wait = backoffDelayMs(policy, retry, 'request-a');
      assert.ok(wait >= ceiling / 2 && wait <= ceiling, `retry ${retry}: ${wait}`);
      assert.equal(backoffDelayMs(policy, retry, 'request-a'), wait);
    }
    const spread = new Set(Array.from({ length: 20 }, (_, i) => backoffDelayMs(policy, 1, `request-${i}`)));
    assert.ok(spread.size > 10, 'different requests wait different times');
  });

  it('reads Retry-After as seconds, an HTTP date or retry-after-ms', () => {
    const headers = (h: Record<string, string>) => new Headers(h);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(retryAfterMs(headers({ 'retry-after': '2' }), now), 2000);
    assert.equal(retryAfterMs(headers({ 'retry-after': '0.5' }), now), 500);
    assert.equal(retryAfterMs(headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }), now), 3000);
    assert.equal(retryAfterMs(headers({ 'retry-after': 'Tue, 31 Dec 2024 00:00:00 GMT' }), now), 0);
    assert.equal(retryAfterMs(headers({ 'retry-after-ms': '120', 'retry-after': '9' }), now), 120);
    assert.equal(retryAfterMs(headers({ 'retry-after': 'soon' }), now), undefined);
    assert.equal(retryAfterMs(headers({}), now), undefined);
    assert.equal(retryAfterMs(undefined, now), undefined);
  });
});
