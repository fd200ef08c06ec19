import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NeurolensError } from '../../src/errors.js';
import { acceptedProviderIds, parseProviderId } from '../../src/text/types.js';

describe('parseProviderId', () => {
  it('parses bare and provider:model ids, canonicalising the provider', () => {
    assert.deepEqual(parseProviderId('tfidf', 'embedder'), { id: 'tfidf', provider: 'tfidf' });
    assert.deepEqual(parseProviderId(' TFIDF ', 'embedder'), { id: 'tfidf', provider: 'tfidf' });
    assert.deepEqual(parseProviderId('transformers:Xenova/all-MiniLM-L6-v2', 'embedder'),
      { id: 'transformers:Xenova/all-MiniLM-L6-v2', provider: 'transformers', model: 'Xenova/all-MiniLM-L6-v2' });
    assert.deepEqual(parseProviderId('OpenAI:text-embedding-3-small', 'embedder'),
      { id: 'openai:text-embedding-3-small', provider: 'openai', model: 'text-embedding-3-small' });
    // Only the first colon separates: model names may hold colons.
    assert.deepEqual(parseProviderId('openai:ft:gpt-4o:org', 'summarizer').model, 'ft:gpt-4o:org');
    assert.deepEqual(parseProviderId('extractive', 'summarizer'), { id: 'extractive', provider: 'extractive' });
  });

  it('rejects unknown prefixes with the accepted forms for the role', () => {
    assert.throws(() => parseProviderId('bert:base', 'embedder'), (err: unknown) => {
      assert.ok(err instanceof NeurolensError);
      assert.equal(err.kind, 'usage');
      assert.equal(err.message, "--embedder 'bert:base' is not known; use one of tfidf, transformers:MODEL, openai:MODEL");
      return true;
    });
    assert.throws(() => parseProviderId('tfidf', 'captioner', '--captioner'), /--captioner 'tfidf' is not known; use one of transformers:MODEL, openai:MODEL/);
    assert.throws(() => parseProviderId('extractive', 'embedder'), /is not known/);
  });

  it('needs a model after provider: and none after a bare provider', () => {
    assert.throws(() => parseProviderId('openai:', 'embedder'), /--embedder 'openai:' needs a model name after the colon/);
    assert.throws(() => parseProviderId('transformers', 'captioner'), /needs a model name/);
    assert.throws(() => parseProviderId('tfidf:big', 'embedder'), /--embedder 'tfidf' takes no model name/);
  });

  it('lists the accepted forms per role', () => {
    assert.deepEqual(acceptedProviderIds('summarizer'), ['extractive', 'transformers:MODEL', 'openai:MODEL']);
  });
});
