import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir } from '../../src/text/cache.js';
import { captionImagesCached, embedTextsCached } from '../../src/text/cached.js';
import { TfidfEmbedder } from '../../src/text/tfidf.js';
import type { CaptionImage, Captioner, TextEmbedder } from '../../src/text/types.js';

const root = mkdtempSync(join(tmpdir(), 'neurolens-text-cached-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const runDir = () => join(root, `run${++counter}`);

/** Captions an image by its path; records every call; can fail on the n-th call. */
class FakeCaptioner implements Captioner {
  readonly id = 'transformers:fake-captioner';
  calls: string[][] = [];
  constructor(readonly failOnCall = -1) {}
  async caption(images: readonly CaptionImage[]): Promise<string[]> {
    this.calls.push(images.map((i) => i.path));
    if (this.calls.length === this.failOnCall) throw new Error('service down');
    return images.map((i) => `  a picture of\n${i.path} `);
  }
}

/** A deterministic per-text embedding: character statistics. */
class FakeEmbedder implements TextEmbedder {
  readonly id = 'openai:fake-embedder';
  readonly dims = 3;
  embedded: string[] = [];
  async embed(texts: readonly string[]): Promise<Float32Array> {
    this.embedded.push(...texts);
    const out = new Float32Array(texts.length * 3);
    texts.forEach((t, i) => out.set([t.length, t.charCodeAt(0) / 7, Math.sin(t.length)], i * 3));
    return out;
  }
}

const images = (...paths: string[]): CaptionImage[] =>
  paths.map((path) => ({ path, absolutePath: `/imgs/${path}`, sha256: `sha-${path.replace(/-copy$/, '')}` }));

describe('captionImagesCached', () => {
  it('captions each distinct image once, and a re-run captions nothing', async () => {
    const run = runDir();
    const list = images('a', 'b', 'a-copy', 'c', 'd');
    const first = new FakeCaptioner();
    const progress: number[] = [];
    const r1 = await captionImagesCached(run, first, list, { batchSize: 2, onProgress: (p) => progress.push(p.done) });
    assert.deepEqual(r1.captions, ['a picture of a', 'a picture of b', 'a picture of a', 'a picture of c', 'a picture of d']);
    assert.deepEqual(first.calls, [['a', 'b'], ['c', 'd']]);
    assert.deepEqual([r1.cached, r1.computed], [0, 4]);
    assert.deepEqual(progress, [0, 2, 4]);
    const second = new FakeCaptioner();
    const r2 = await captionImagesCached(run, second, list);
    assert.deepEqual(second.calls, []);
    assert.deepEqual(r2.captions, r1.captions);
    assert.deepEqual([r2.cached, r2.computed], [4, 0]);
  });

  it('resumes after a failure: finished batches are kept', async () => {
    const run = runDir();
    const list = images('a', 'b', 'c', 'd', 'e');
    await assert.rejects(captionImagesCached(run, new FakeCaptioner(2), list, { batchSize: 2 }), /service down/);
    const resumed = new FakeCaptioner();
    const r = await captionImagesCached(run, resumed, list, { batchSize: 2 });
    assert.deepEqual(resumed.calls, [['c', 'd'], ['e']]);
    assert.equal(r.captions[4], 'a picture of e');
  });
});

describe('embedTextsCached', () => {
  it('embeds each distinct text once, caches rows, and a re-run gives identical bytes for free', async () => {
    const run = runDir();
    const texts = ['red car', 'blue sky', 'red car', 'a green field'];
    const first = new FakeEmbedder();
    const r1 = await embedTextsCached(run, first, texts, { batchSize: 2 });
    assert.deepEqual(first.embedded, ['red car', 'blue sky', 'a green field']);
    assert.equal(r1.dims, 3);
    const direct = await new FakeEmbedder().embed(texts);
    assert.ok(Buffer.from(r1.vectors.buffer).equals(Buffer.from(direct.buffer)));
    const second = new FakeEmbedder();
    const r2 = await embedTextsCached(run, second, [...texts, 'new one']);
    assert.deepEqual(second.embedded, ['new one']);
    assert.deepEqual([r2.cached, r2.computed], [3, 1]);
    assert.ok(Buffer.from(r2.vectors.buffer, 0, 48).equals(Buffer.from(r1.vectors.buffer)));
  });

  it('calls a corpus-fitted embedder (TF-IDF) once on all texts and caches nothing', async () => {
    const run = runDir();
    const r = await embedTextsCached(run, new TfidfEmbedder(), ['red car', 'blue sky']);
    assert.equal(r.dims, 6);
    assert.equal(r.vectors.length, 12);
    assert.equal(existsSync(cacheDir(run)), false);
  });
});
