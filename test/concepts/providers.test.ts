import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildConcepts } from '../../src/concepts/pipeline.js';
import type { ConceptLayer } from '../../src/concepts/types.js';
import { chatReply, embeddingsReply, withServer, type Recorded } from '../llm/server.js';
import { colourRun } from './helpers.js';

const COLOURS = ['red', 'green', 'blue'];

/** A fake OpenAI-compatible server: colour one-hot embeddings, JSON summaries, broken difference answers. */
function handler(request: Recorded) {
  if (request.path.endsWith('/embeddings')) {
    const texts = request.body.input as string[];
    return embeddingsReply(texts.map((t) => [...COLOURS.map((c) => (t.includes(c) ? 1 : 0)), t.includes('bright') ? 0.1 : 0]));
  }
  const schema = request.body.response_format?.json_schema?.name as string;
  if (schema === 'cluster_caption') return chatReply(JSON.stringify({ caption: 'a cluster summary' }));
  if (schema === 'generalised_caption') return chatReply(JSON.stringify({ caption: 'a generalisation' }));
  return chatReply('this is not JSON'); // differences: invalid twice → extractive fallback
}

test('concepts with openai: embedder and summarizer against a local server; fallbacks recorded; cached re-run', async () => {
  const { run, captions } = await colourRun();
  await withServer(handler, async (server) => {
    const options = { run, captions, layers: ['layer2.0'], embedder: 'openai:fake-embed', summarizer: 'openai:fake-chat', baseUrl: server.baseURL };
    const result = await buildConcepts(options);
    const layer = JSON.parse(readFileSync(join(run, 'concepts', 'layer2.0.json'), 'utf8')) as ConceptLayer;
    assert.equal(layer.settings.embedder, 'openai:fake-embed');
    assert.equal(layer.settings.summarizer, 'openai:fake-chat');
    // One-hot colour embeddings: level 1 separates the three colours exactly.
    for (const c of layer.clusters.filter((c) => c.level === 1)) assert.equal(new Set(c.images.map((i) => Math.floor(i / 8))).size, 1);
    const level1 = layer.clusters.filter((c) => c.level === 1);
    assert.ok(level1.every((c) => c.caption === 'a cluster summary' && c.captionMethod === 'openai:fake-chat'));
    const upper = layer.clusters.filter((c) => c.level > 1);
    assert.ok(upper.every((c) => c.caption === 'a generalisation' && c.captionMethod === 'openai:fake-chat'));
    // Difference descriptions failed validation → extractive keywords, and the file says so.
    assert.ok(layer.clusters.filter((c) => c.parent).every((c) => c.differenceMethod === 'extractive (keywords)' && c.differenceDescription.length > 0));
    assert.ok(result.counts.length >= 1);
    const requests = server.requests.length;
    const bytes = readFileSync(join(run, 'concepts', 'layer2.0.json'));
    await buildConcepts(options);
    assert.equal(server.requests.length, requests, 're-run answered from the caches');
    assert.ok(readFileSync(join(run, 'concepts', 'layer2.0.json')).equals(bytes));
  });
});
