import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NeurolensError } from '../../src/errors.js';
import { OpenAiEmbedder, embedTexts } from '../../src/llm/embed.js';
import { embeddingsReply, errorReply, testClient, withServer, withTempDir, type Recorded } from './server.js';

/** A fake embedding: [text length, first char code, 0.5]; rows listed in reverse with their index. */
function reversedEmbeddings(request: Recorded) {
  const input: string[] = request.body.input;
  const vectors = input.map((t) => [t.length, t.charCodeAt(0), 0.5]);
  const indices = input.map((_, i) => i);
  return embeddingsReply([...vectors].reverse(), [...indices].reverse());
}

const expectedRow = (t: string) => (t === '' ? [1, 32, 0.5] : [t.length, t.charCodeAt(0), 0.5]); // '' is sent as ' '

describe('embedTexts', () => {
  it('batches the texts, asks for floats and keeps input order', async () => {
    const texts = ['apple', 'banana', 'cherry', 'date', 'elderberry', 'fig', 'grape'];
    await withServer(reversedEmbeddings, async (server) => {
      const { client } = testClient(server, { concurrency: 1 });
      const result = await embedTexts(texts, { client, model: 'embed-model', batchSize: 3 });
      assert.equal(result.rows, 7);
      assert.equal(result.dims, 3);
      assert.ok(result.data instanceof Float32Array);
      assert.deepEqual(Array.from(result.data), texts.flatMap(expectedRow));
      assert.deepEqual(server.requests.map((r) => r.body.input), [['apple', 'banana', 'cherry'], ['date', 'elderberry', 'fig'], ['grape']]);
      for (const r of server.requests) {
        assert.equal(r.path, '/v1/embeddings');
        assert.equal(r.body.model, 'embed-model');
        assert.equal(r.body.encoding_format, 'float');
      }
    });
  });

  it('sends 256 texts per request by default, several requests in flight', async () => {
    const texts = Array.from({ length: 600 }, (_, i) => `text ${i}`);
    await withServer((r) => ({ ...reversedEmbeddings(r), delayMs: 50 }), async (server) => {
      const { client } = testClient(server, { concurrency: 2 });
      const result = await embedTexts(texts, { client, model: 'embed-model' });
      assert.deepEqual(server.requests.map((r) => r.body.input.length), [256, 256, 88]);
      assert.equal(server.maxInFlight, 2);
      assert.deepEqual(Array.from(result.data.subarray(599 * 3)), expectedRow('text 599'));
    });
  });

  it('sends repeated texts once and an empty text as a space', async () => {
    await withServer(reversedEmbeddings, async (server) => {
      const { client } = testClient(server);
      const texts = ['same', '', 'same', 'other'];
      const result = await embedTexts(texts, { client, model: 'embed-model', dimensions: 3 });
      assert.deepEqual(server.requests[0]!.body.input, ['same', ' ', 'other']);
      assert.equal(server.requests[0]!.body.dimensions, 3);
      assert.deepEqual(Array.from(result.data), texts.flatMap(expectedRow));
    });
  });

  it('caches rows per (model, text) so only new texts are sent', async () => {
    await withTempDir(async (cacheDir) => {
      await withServer(reversedEmbeddings, async (server) => {
        const { client } = testClient(server, { cacheDir });
        await embedTexts(['alpha', 'beta'], { client, model: 'embed-model' });
        assert.equal(server.requests.length, 1);
      });
      await withServer(reversedEmbeddings, async (server) => {
        const { client } = testClient(server, { cacheDir });
        const result = await embedTexts(['beta', 'gamma', 'alpha'], { client, model: 'embed-model' });
        assert.deepEqual(server.requests.map((r) => r.body.input), [['gamma']]);
        assert.deepEqual(Array.from(result.data), ['beta', 'gamma', 'alpha'].flatMap(expectedRow));
        await embedTexts(['alpha'], { client, model: 'other-model' });
        assert.equal(server.requests.length, 2, 'another model is another cache entry');
      });
      await withServer(() => errorReply(500, 'must not be called'), async (server) => {
        const { client } = testClient(server, { cacheDir });
        const result = await embedTexts(['gamma', 'alpha', 'beta'], { client, model: 'embed-model' });
        assert.equal(server.requests.length, 0);
        assert.deepEqual(Array.from(result.data), ['gamma', 'alpha', 'beta'].flatMap(expectedRow));
      });
      await withServer(() => embeddingsReply([[1, 2]]), async (server) => {
        const { client } = testClient(server, { cacheDir });
        await assert.rejects(embedTexts(['alpha', 'new'], { client, model: 'embed-model' }),
          (err) => err instanceof NeurolensError && /now have 2 dimensions but cached ones have 3/.test(err.message));
      });
    });
  });

  it('refuses replies with the wrong number or shape of rows', async () => {
    const cases: Array<[ReturnType<typeof embeddingsReply>, RegExp]> = [
      [embeddingsReply([[1, 2]]), /1 rows for 2 texts/],
      [embeddingsReply([[1, 2], [3, 4]], [0, 0]), /bad or repeated index 0/],
      [embeddingsReply([[1, 2], [3]]), /rows of different lengths/],
      [embeddingsReply([[1, 2], []]), /row 1 is not a non-empty array/],
    ];
    for (const [reply, pattern] of cases) {
      await withServer(() => reply, async (server) => {
        const { client } = testClient(server);
        await assert.rejects(embedTexts(['a', 'b'], { client, model: 'embed-model' }), (err) =>
          err instanceof NeurolensError && /returned unusable embeddings for model 'embed-model'/.test(err.message) && pattern.test(err.message));
      });
    }
  });

  it('retries embeddings like chat requests', async () => {
    const replies = [errorReply(429, 'slow down', { 'retry-after': '0' }), embeddingsReply([[1]])];
    await withServer((_, i) => replies[i]!, async (server) => {
      const { client, retries } = testClient(server);
      const result = await embedTexts(['x'], { client, model: 'embed-model' });
      assert.deepEqual(Array.from(result.data), [1]);
      assert.equal(retries[0]!.endpoint, 'embeddings');
    });
  });

  it('implements the text pipeline TextEmbedder (id openai:<model>)', async () => {
    await withServer(reversedEmbeddings, async (server) => {
      const { client } = testClient(server);
      const embedder = new OpenAiEmbedder({ client, model: 'nomic-embed-text' });
      assert.equal(embedder.id, 'openai:nomic-embed-text');
      assert.equal(embedder.perText, true);
      assert.equal(embedder.dims, 0);
      const rows = await embedder.embed(['hi', 'yo']);
      assert.equal(embedder.dims, 3);
      assert.deepEqual(Array.from(rows), ['hi', 'yo'].flatMap(expectedRow));
      assert.equal((await embedder.embed([])).length, 0);
      assert.equal(embedder.dims, 3);
    });
  });
});
