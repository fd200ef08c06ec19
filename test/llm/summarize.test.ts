import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CAPTION_SCHEMA, DIFFERENCES_SCHEMA } from '../../src/llm/schema.js';
import { OpenAiSummarizer, SUMMARIZER_SYSTEM_PROMPT, sampleCaptions } from '../../src/llm/summarize.js';
import { chatReply, errorReply, testClient, withServer, withTempDir, type FakeServer, type Handler } from './server.js';

function summarizer(server: FakeServer, cacheDir?: string) {
  const { client } = testClient(server, cacheDir === undefined ? {} : { cacheDir });
  return new OpenAiSummarizer({ client, model: 'sum-model', sampleK: 4, seed: 7 });
}

const json = (value: unknown) => chatReply(JSON.stringify(value));

describe('sampleCaptions', () => {
  const captions = ['a cat', 'a dog', 'a  cat ', 'a bird', 'a fish', 'a cat', 'a frog', '', 'a newt'];

  it('keeps everything (folding repeats) when there are at most K', () => {
    assert.deepEqual(sampleCaptions(['b', 'a', 'b', ' '], 5, 0), [{ caption: 'b', count: 2 }, { caption: 'a', count: 1 }]);
  });

  it('samples at most K with a seed, in the original order', () => {
    const sample = sampleCaptions(captions, 4, 1);
    assert.ok(sample.reduce((n, s) => n + s.count, 0) === 4);
    assert.deepEqual(sampleCaptions(captions, 4, 1), sample, 'same seed, same sample');
    const distinct = 'abcdefghijklmnop'.split('');
    const order = sampleCaptions(distinct, 5, 3).map((s) => distinct.indexOf(s.caption));
    assert.equal(order.length, 5);
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
    const seeds = new Set(Array.from({ length: 10 }, (_, seed) => JSON.stringify(sampleCaptions(captions, 4, seed))));
    assert.ok(seeds.size > 1, 'the seed changes the sample');
    assert.throws(() => sampleCaptions(captions, 0, 1), RangeError);
  });
});

describe('OpenAiSummarizer', () => {
  it('asks for a cluster caption as strict JSON schema output', async () => {
    await withServer(() => json({ caption: '  Red fruit on a table. ' }), async (server) => {
      const result = await summarizer(server).summarizeCluster({ captions: ['a red apple', 'a red apple', 'a cherry'] });
      assert.deepEqual(result, { ok: true, value: 'Red fruit on a table', method: 'openai:sum-model' });
      const [request] = server.requests;
      assert.equal(request!.path, '/v1/chat/completions');
      assert.equal(request!.body.model, 'sum-model');
      assert.equal(request!.body.temperature, 0);
      assert.equal(request!.body.seed, 7);
      assert.deepEqual(request!.body.response_format, {
        type: 'json_schema', json_schema: { name: 'cluster_caption', strict: true, schema: CAPTION_SCHEMA },
      });
      assert.deepEqual(request!.body.messages[0], { role: 'system', content: SUMMARIZER_SYSTEM_PROMPT });
      assert.equal(request!.body.messages[1].role, 'user');
      assert.match(request!.body.messages[1].content, /- a red apple \(×2\)\n- a cherry\n/);
    });
  });

  it('shows at most sampleK captions', async () => {
    await withServer(() => json({ caption: 'letters' }), async (server) => {
      const captions = 'abcdefghij'.split('').map((c) => `letter ${c}`);
      await summarizer(server).summarizeCluster({ captions, sampleK: 3, seed: 1 });
      const lines = (server.requests[0]!.body.messages[1].content as string).split('\n').filter((l) => l.startsWith('- '));
      assert.equal(lines.length, 3);
      assert.deepEqual(lines.map((l) => l.slice(2)), sampleCaptions(captions, 3, 1).map((s) => s.caption));
    });
  });

  it('retries an invalid reply once, showing the model its mistake', async () => {
    const replies = [chatReply('Here you go: red fruit'), json({ caption: 'red fruit' })];
    await withServer((_, i) => replies[i]!, async (server) => {
      const result = await summarizer(server).summarizeCluster({ captions: ['a red apple'] });
      assert.deepEqual(result, { ok: true, value: 'red fruit', method: 'openai:sum-model' });
      assert.equal(server.requests.length, 2);
      const retry = server.requests[1]!.body.messages;
      assert.equal(retry.length, 4);
      assert.deepEqual(retry[2], { role: 'assistant', content: 'Here you go: red fruit' });
      assert.match(retry[3].content, /not usable \(not JSON/);
    });
  });

  it('returns a typed failure after two invalid replies, so the caller can fall back', async () => {
    const replies: Handler = (_, i) => (i === 0 ? json({ caption: 'x', extra: 1 }) : json({ caption: 42 }));
    await withServer(replies, async (server) => {
      const result = await summarizer(server).summarizeCluster({ captions: ['a red apple'] });
      assert.deepEqual(result, { ok: false, reason: 'invalid-output', detail: '$.caption: expected a string, got number', attempts: 2 });
      assert.match(server.requests[1]!.body.messages[3].content, /unexpected property 'extra'/);
    });
  });

  it('reports refusals, truncation and empty captions as failures', async () => {
    await withServer(() => chatReply(null, { refusal: 'I cannot help with that.' }), async (server) => {
      const result = await summarizer(server).generaliseChildren({ childCaptions: ['cats', 'dogs'] });
      assert.deepEqual(result, { ok: false, reason: 'refused', detail: 'I cannot help with that.', attempts: 2 });
    });
    await withServer(() => chatReply('{"caption": "a very lo', { finishReason: 'length' }), async (server) => {
      const result = await summarizer(server).generaliseChildren({ childCaptions: ['cats'] });
      assert.equal(result.ok ? '' : result.reason, 'truncated');
    });
    await withServer(() => json({ caption: ' . ' }), async (server) => {
      const result = await summarizer(server).generaliseChildren({ childCaptions: ['cats'] });
      assert.deepEqual(result, { ok: false, reason: 'invalid-output', detail: 'the caption is empty', attempts: 2 });
    });
  });

  it('generalises children captions', async () => {
    await withServer(() => json({ caption: 'pets' }), async (server) => {
      const result = await summarizer(server).generaliseChildren({ childCaptions: ['cats on sofas', 'dogs in parks'] });
      assert.deepEqual(result, { ok: true, value: 'pets', method: 'openai:sum-model' });
      assert.equal(server.requests[0]!.body.response_format.json_schema.name, 'generalised_caption');
      assert.match(server.requests[0]!.body.messages[1].content, /- cats on sofas\n- dogs in parks\n/);
    });
  });

  it('describes what each child adds to its parent, in the children order', async () => {
    const answer = { differences: [{ id: 'c2', difference: 'dogs' }, { id: 'c1', difference: 'cats.' }] };
    await withServer(() => json(answer), async (server) => {
      const result = await summarizer(server).describeDifferences({
        parentCaption: 'pets', children: [{ id: 'c1', caption: 'cats on sofas' }, { id: 'c2', caption: 'dogs in parks' }],
      });
      assert.deepEqual(result, { ok: true, value: [{ id: 'c1', difference: 'cats' }, { id: 'c2', difference: 'dogs' }], method: 'openai:sum-model' });
      const body = server.requests[0]!.body;
      assert.deepEqual(body.response_format.json_schema.schema, DIFFERENCES_SCHEMA);
      assert.match(body.messages[1].content, /parent group of neurons: "pets"\n/);
      assert.match(body.messages[1].content, /- id "c1": cats on sofas\n- id "c2": dogs in parks\n/);
    });
  });

  it('rejects differences that miss, repeat or invent child ids', async () => {
    const children = [{ id: 'c1', caption: 'cats' }, { id: 'c2', caption: 'dogs' }];
    const cases: Array<[unknown, RegExp]> = [
      [{ differences: [{ id: 'c1', difference: 'x' }] }, /no entry for child id\(s\) "c2"/],
      [{ differences: [{ id: 'c1', difference: 'x' }, { id: 'c1', difference: 'y' }] }, /"c1" appears twice/],
      [{ differences: [{ id: 'c1', difference: 'x' }, { id: 'c9', difference: 'y' }] }, /unknown child id "c9"/],
    ];
    for (const [answer, pattern] of cases) {
      await withServer(() => json(answer), async (server) => {
        const result = await summarizer(server).describeDifferences({ parentCaption: 'pets', children });
        assert.equal(result.ok, false);
        assert.match(result.ok ? '' : result.detail, pattern);
      });
    }
    await withServer(() => errorReply(500, 'unused'), async (server) => {
      const none = await summarizer(server).describeDifferences({ parentCaption: 'pets', children: [] });
      assert.deepEqual(none, { ok: true, value: [], method: 'openai:sum-model' });
      assert.equal(server.requests.length, 0);
      await assert.rejects(summarizer(server).describeDifferences({ parentCaption: 'p', children: [children[0]!, children[0]!] }), RangeError);
    });
  });

  it('replays successes and fallbacks from the cache on a re-run, sending nothing', async () => {
    await withTempDir(async (dir) => {
      const run = async (handler: Handler) =>
        withServer(handler, async (server) => {
          const s = summarizer(server, dir);
          const results = [
            await s.summarizeCluster({ captions: ['a red apple', 'a cherry'] }),
            await s.generaliseChildren({ childCaptions: ['cats', 'dogs'] }),
          ];
          return { results, requests: server.requests.length };
        });
      const first = await run((request) =>
        request.body.response_format.json_schema.name === 'cluster_caption' ? json({ caption: 'red fruit' }) : chatReply('not json'));
      assert.equal(first.requests, 3);
      assert.equal(first.results[0]!.ok, true);
      assert.equal(first.results[1]!.ok, false);
      const second = await run(() => errorReply(500, 'must not be called'));
      assert.equal(second.requests, 0);
      assert.deepEqual(second.results, first.results);
    });
  });

  it('lets transport errors through as NeurolensErrors (not fallbacks)', async () => {
    await withServer(() => errorReply(401, 'Incorrect API key provided'), async (server) => {
      await assert.rejects(summarizer(server).summarizeCluster({ captions: ['x'] }), /OPENAI_API_KEY/);
    });
  });
});
