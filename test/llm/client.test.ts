import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NeurolensError } from '../../src/errors.js';
import { cacheKey } from '../../src/llm/cache.js';
import { LlmClient, PLACEHOLDER_API_KEY, parseOpenAiSpec, type ChatBody } from '../../src/llm/client.js';
import { backoffDelayMs } from '../../src/llm/retry.js';
import { chatReply, errorReply, testClient, withServer, withTempDir } from './server.js';

const body: ChatBody = { model: 'test-model', messages: [{ role: 'user', content: 'hello' }], temperature: 0 };

function oneLineError(kind: NeurolensError['kind'], pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof NeurolensError, String(err));
    assert.equal(err.kind, kind);
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  };
}

describe('LlmClient: requests', () => {
  it('posts the chat request as given, with the key as a bearer token', async () => {
    await withServer(() => chatReply('hi there'), async (server) => {
      const { client } = testClient(server);
      const reply = await client.chat({ body });
      assert.deepEqual(reply, { content: 'hi there', refusal: null, finishReason: 'stop' });
      assert.equal(server.requests.length, 1);
      const [request] = server.requests;
      assert.equal(request!.method, 'POST');
      assert.equal(request!.path, '/v1/chat/completions');
      assert.equal(request!.headers.authorization, 'Bearer test-key');
      assert.deepEqual(request!.body, body);
    });
  });

  it('sends a placeholder key when OPENAI_API_KEY is unset (local servers need none)', async () => {
    await withServer(() => chatReply('ok'), async (server) => {
      const client = new LlmClient({ baseURL: server.baseURL, env: {}, timeoutMs: 200 });
      await client.chat({ body });
      assert.equal(server.requests[0]!.headers.authorization, `Bearer ${PLACEHOLDER_API_KEY}`);
    });
    await withServer(() => chatReply('ok'), async (server) => {
      const client = new LlmClient({ env: { OPENAI_API_KEY: 'sk-from-env', OPENAI_BASE_URL: server.baseURL }, timeoutMs: 200 });
      await client.chat({ body });
      assert.equal(server.requests[0]!.headers.authorization, 'Bearer sk-from-env');
    });
  });

  it('parses openai:<model> specs', () => {
    assert.equal(parseOpenAiSpec('--captioner', 'openai:llava:7b'), 'llava:7b');
    assert.equal(parseOpenAiSpec('--summarizer', 'extractive'), undefined);
    assert.throws(() => parseOpenAiSpec('--embedder', 'openai:'), oneLineError('usage', /--embedder 'openai:' names no model/));
  });
});

describe('LlmClient: retries', () => {
  it('retries a 429 after the Retry-After the server asked for', async () => {
    const replies = [errorReply(429, 'Rate limit reached', { 'retry-after': '1' }), chatReply('after the wait')];
    await withServer((_, i) => replies[i]!, async (server) => {
      const { client, waits, retries } = testClient(server);
      const reply = await client.chat({ body });
      assert.equal(reply.content, 'after the wait');
      assert.equal(server.requests.length, 2);
      assert.deepEqual(waits, [1000]);
      assert.equal(retries.length, 1);
      assert.deepEqual(retries[0], {
        endpoint: 'chat/completions', model: 'test-model', attempt: 1, delayMs: 1000, reason: 'rate-limited', status: 429, detail: 'Rate limit reached',
      });
    });
  });

  it('honours retry-after-ms and Retry-After: 0 on a 503', async () => {
    const replies = [
      errorReply(503, 'busy', { 'retry-after-ms': '250' }),
      errorReply(503, 'busy', { 'retry-after': '0' }),
      chatReply('ok'),
    ];
    await withServer((_, i) => replies[i]!, async (server) => {
      const { client, waits } = testClient(server);
      await client.chat({ body });
      assert.deepEqual(waits, [250, 0]);
    });
  });

  it('backs off exponentially with a deterministic jitter on 5xx', async () => {
    const replies = [errorReply(500, 'oops'), errorReply(502, 'bad gateway'), chatReply('ok')];
    const runOnce = () =>
      withServer((_, i) => replies[i]!, async (server) => {
        const { client, waits, retries } = testClient(server, { retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 } });
        await client.chat({ body });
        assert.deepEqual(retries.map((r) => [r.reason, r.status]), [['server-error', 500], ['server-error', 502]]);
        return waits;
      });
    const waits = await runOnce();
    const key = cacheKey('chat/completions', 'test-model', body);
    const policy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 60_000 };
    assert.deepEqual(waits, [backoffDelayMs(policy, 1, key), backoffDelayMs(policy, 2, key)]);
    assert.ok(waits[0]! >= 50 && waits[0]! <= 100, `first wait ${waits[0]}`);
    assert.ok(waits[1]! >= 100 && waits[1]! <= 200, `second wait ${waits[1]}`);
    assert.deepEqual(await runOnce(), waits, 'same waits on a second run');
  });

  it('gives up after maxAttempts with a one-line error quoting the server', async () => {
    await withServer(() => errorReply(500, 'The engine is\ncurrently overloaded'), async (server) => {
      const { client, waits } = testClient(server);
      await assert.rejects(client.chat({ body }), oneLineError('runtime', /failed 3 time\(s\).*HTTP 500: The engine is currently overloaded/));
      assert.equal(server.requests.length, 3);
      assert.equal(waits.length, 2);
    });
  });

  it('does not retry when Retry-After is longer than maxRetryAfterMs', async () => {
    await withServer(() => errorReply(429, 'Come back tomorrow', { 'retry-after': '86400' }), async (server) => {
      const { client } = testClient(server);
      await assert.rejects(client.chat({ body }), oneLineError('runtime', /asks to wait 86400 s .*Come back tomorrow/));
      assert.equal(server.requests.length, 1);
    });
  });

  it('does not retry an exhausted quota (429 insufficient_quota)', async () => {
    await withServer(() => errorReply(429, 'You exceeded your current quota', {}, 'insufficient_quota'), async (server) => {
      const { client } = testClient(server);
      await assert.rejects(client.chat({ body }), oneLineError('usage', /out of quota .*You exceeded your current quota/));
      assert.equal(server.requests.length, 1);
    });
  });

  for (const [status, pattern] of [
    [400, /rejected the request for model 'test-model' \(HTTP 400: Invalid value for 'messages'\)/],
    [401, /rejected the API key \(HTTP 401: Incorrect API key provided\).*OPENAI_API_KEY/],
    [404, /no model 'test-model'.*HTTP 404: model "test-model" not found/],
  ] as const) {
    it(`does not retry HTTP ${status} and quotes the server's message`, async () => {
      const message = { 400: "Invalid value for 'messages'", 401: 'Incorrect API key provided', 404: 'model "test-model" not found' }[status];
      await withServer(() => errorReply(status, message), async (server) => {
        const { client, retries } = testClient(server);
        await assert.rejects(client.chat({ body }), oneLineError('usage', pattern));
        assert.equal(server.requests.length, 1);
        assert.equal(retries.length, 0);
      });
    });
  }

  it('reads error bodies that are plain text', async () => {
    await withServer(() => ({ status: 400, text: 'bad things\nhappened' }), async (server) => {
      const { client } = testClient(server);
      await assert.rejects(client.chat({ body }), oneLineError('usage', /HTTP 400: bad things happened/));
    });
  });
});

describe('LlmClient: timeouts and network failures', () => {
  it('times out a request the server never answers, then retries it', async () => {
    await withServer((_, i) => (i === 0 ? 'hang' : chatReply('second try')), async (server) => {
      const { client, retries } = testClient(server);
      const started = Date.now();
      const reply = await client.chat({ body });
      const elapsed = Date.now() - started;
      assert.equal(reply.content, 'second try');
      assert.equal(server.requests.length, 2);
      assert.equal(retries[0]!.reason, 'timeout');
      assert.ok(elapsed >= 190 && elapsed < 5000, `took ${elapsed} ms`);
    });
  });

  it('reports a timeout once every attempt timed out', async () => {
    await withServer(() => 'hang', async (server) => {
      const { client } = testClient(server, { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
      await assert.rejects(client.chat({ body }), oneLineError('runtime', /did not answer within 200 ms, 2 time\(s\) in a row/));
      assert.equal(server.requests.length, 2);
    });
  });

  it('reports a server that cannot be reached after retrying', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const waits: number[] = [];
    const client = new LlmClient({
      baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'k', timeoutMs: 200,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 }, sleep: async (ms) => void waits.push(ms),
    });
    await assert.rejects(client.chat({ body }), oneLineError('runtime', new RegExp(`cannot reach http://127.0.0.1:${port}/v1 \\(ECONNREFUSED\\) after 2 attempt`)));
    assert.equal(waits.length, 1);
  });

  it('reports a 200 that is not JSON', async () => {
    await withServer(() => ({ status: 200, text: '<html>hello</html>', headers: { 'content-type': 'application/json' } }), async (server) => {
      const { client } = testClient(server);
      await assert.rejects(client.chat({ body }), oneLineError('runtime', /not an OpenAI-compatible JSON response/));
      assert.equal(server.requests.length, 1);
    });
  });
});

describe('LlmClient: concurrency and caching', () => {
  it('never has more requests in flight than its limit', async () => {
    await withServer(() => ({ ...chatReply('ok'), delayMs: 50 }), async (server) => {
      const { client } = testClient(server, { concurrency: 2 });
      const calls = Array.from({ length: 8 }, (_, i) => client.chat({ body: { ...body, messages: [{ role: 'user', content: `q${i}` }] } }));
      await Promise.all(calls);
      assert.equal(server.requests.length, 8);
      assert.equal(server.maxInFlight, 2);
    });
  });

  it('answers a repeated request from the cache without sending it', async () => {
    await withTempDir(async (dir) => {
      await withServer(() => chatReply('cached answer'), async (server) => {
        const { client } = testClient(server, { cacheDir: dir });
        assert.equal((await client.chat({ body })).content, 'cached answer');
        assert.equal(server.requests.length, 1);
      });
      await withServer(() => errorReply(500, 'must not be called'), async (server) => {
        const { client } = testClient(server, { cacheDir: dir });
        // Key order does not matter: the cache key is canonical JSON.
        const reordered: ChatBody = { temperature: 0, messages: body.messages, model: 'test-model' };
        assert.equal((await client.chat({ body: reordered })).content, 'cached answer');
        assert.equal((await client.chat({ body, noCache: true }).catch(() => 'sent')), 'sent');
        assert.equal(server.requests.length, 3, 'only the noCache call was sent (3 attempts)');
      });
    });
  });

  it('sends identical concurrent requests once', async () => {
    await withServer(() => ({ ...chatReply('shared'), delayMs: 20 }), async (server) => {
      const { client } = testClient(server);
      const replies = await Promise.all([client.chat({ body }), client.chat({ body }), client.chat({ body })]);
      assert.deepEqual(replies.map((r) => r.content), ['shared', 'shared', 'shared']);
      assert.equal(server.requests.length, 1);
    });
  });
});
