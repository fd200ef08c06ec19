import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NeurolensError } from '../../src/errors.js';
import { CaptionCache, EmbeddingCache, cacheDir, embedderSlug, textKey } from '../../src/text/cache.js';

const root = mkdtempSync(join(tmpdir(), 'neurolens-text-cache-'));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
function runDir(): string {
  counter += 1;
  return join(root, `run${counter}`);
}

describe('CaptionCache', () => {
  it('misses, then hits after add, also after reopening; keyed by (image, captioner)', async () => {
    const run = runDir();
    const cache = await CaptionCache.open(run);
    assert.equal(cache.get('aa', 'openai:m'), undefined);
    assert.equal(existsSync(cacheDir(run)), false, 'opening creates nothing');
    await cache.add([{ image: 'aa', captioner: 'openai:m', caption: 'a cat' }, { image: 'bb', captioner: 'openai:m', caption: 'a "dog"\nhere' }]);
    assert.equal(cache.get('aa', 'openai:m'), 'a cat');
    const again = await CaptionCache.open(run);
    assert.equal(again.size, 2);
    assert.equal(again.get('bb', 'openai:m'), 'a "dog"\nhere');
    assert.equal(again.get('aa', 'transformers:x'), undefined);
    assert.equal(readFileSync(join(cacheDir(run), 'captions.jsonl'), 'utf8'),
      '{"image":"aa","captioner":"openai:m","caption":"a cat"}\n{"image":"bb","captioner":"openai:m","caption":"a \\"dog\\"\\nhere"}\n');
  });

  it('the first caption of a key wins; re-adding writes nothing', async () => {
    const run = runDir();
    const cache = await CaptionCache.open(run);
    await cache.add([{ image: 'aa', captioner: 'c', caption: 'first' }, { image: 'aa', captioner: 'c', caption: 'second' }]);
    const size = statSync(cache.path).size;
    await cache.add([{ image: 'aa', captioner: 'c', caption: 'third' }]);
    assert.equal(statSync(cache.path).size, size);
    assert.equal((await CaptionCache.open(run)).get('aa', 'c'), 'first');
  });

  it('tolerates a torn last line and cuts it off before the next append', async () => {
    const run = runDir();
    const cache = await CaptionCache.open(run);
    await cache.add([{ image: 'aa', captioner: 'c', caption: 'x' }]);
    appendFileSync(cache.path, '{"image":"bb","capt');
    const reopened = await CaptionCache.open(run);
    assert.equal(reopened.size, 1);
    await reopened.add([{ image: 'cc', captioner: 'c', caption: 'z' }]);
    assert.equal(readFileSync(cache.path, 'utf8'),
      '{"image":"aa","captioner":"c","caption":"x"}\n{"image":"cc","captioner":"c","caption":"z"}\n');
  });

  it('damage before the last line names the file and says to delete it', async () => {
    const run = runDir();
    const cache = await CaptionCache.open(run);
    await cache.add([{ image: 'aa', captioner: 'c', caption: 'x' }]);
    appendFileSync(cache.path, 'garbage\n{"image":"bb","captioner":"c","caption":"y"}\n');
    await assert.rejects(CaptionCache.open(run), (err: unknown) => {
      assert.ok(err instanceof NeurolensError);
      assert.match(err.message, /captions\.jsonl is damaged at line 2; delete it \(it is only a cache/);
      return true;
    });
  });
});

describe('EmbeddingCache', () => {
  const id = 'transformers:Xenova/all-MiniLM-L6-v2';
  const row = (seed: number) => Float32Array.from([seed + 0.1, -seed / 3, Math.PI * seed]);

  it('stores float32 rows bit-exactly in an index + binary pair, per embedder id', async () => {
    const run = runDir();
    const cache = await EmbeddingCache.open(run, id);
    assert.equal(cache.dims, undefined);
    await cache.add([{ key: textKey('a red car'), vector: row(1) }, { key: textKey('blue sky'), vector: row(2) }]);
    await cache.add([{ key: textKey('a red car'), vector: row(9) }, { key: textKey('green'), vector: row(3) }]);
    assert.ok(cache.indexPath.endsWith(`embeddings/${embedderSlug(id)}.jsonl`));
    assert.match(embedderSlug(id), /^transformers_Xenova_all-MiniLM-L6-v2-[0-9a-f]{8}$/);
    assert.equal(statSync(cache.dataPath).size, 3 * 3 * 4);
    const lines = readFileSync(cache.indexPath, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines[0], { embedder: id, dims: 3, format: 1 });
    assert.deepEqual(lines.slice(1).map((l) => l.text), [textKey('a red car'), textKey('blue sky'), textKey('green')]);
    const reopened = await EmbeddingCache.open(run, id);
    assert.equal(reopened.dims, 3);
    assert.deepEqual(reopened.get(textKey('a red car')), row(1));
    assert.deepEqual(reopened.get(textKey('green')), row(3));
    assert.equal((await EmbeddingCache.open(run, 'openai:other')).size, 0);
  });

  it('a torn index line drops its row; rows no line names are cut off on the next append', async () => {
    const run = runDir();
    const cache = await EmbeddingCache.open(run, id);
    await cache.add([{ key: 'k1', vector: row(1) }]);
    // A kill after the rows were written but while the index line was half written.
    appendFileSync(cache.dataPath, Buffer.from(row(2).buffer));
    appendFileSync(cache.indexPath, '{"text":"k');
    const reopened = await EmbeddingCache.open(run, id);
    assert.equal(reopened.size, 1);
    assert.equal(reopened.get('k2'), undefined);
    await reopened.add([{ key: 'k3', vector: row(3) }]);
    assert.equal(statSync(cache.dataPath).size, 2 * 12);
    const last = await EmbeddingCache.open(run, id);
    assert.deepEqual(last.get('k1'), row(1));
    assert.deepEqual(last.get('k3'), row(3), 'row k3 is right after k1, not after the orphan');
  });

  it('index lines whose rows are missing are dropped', async () => {
    const run = runDir();
    const cache = await EmbeddingCache.open(run, id);
    await cache.add([{ key: 'k1', vector: row(1) }, { key: 'k2', vector: row(2) }]);
    writeFileSync(cache.dataPath, readFileSync(cache.dataPath).subarray(0, 12 + 5));
    const reopened = await EmbeddingCache.open(run, id);
    assert.equal(reopened.size, 1);
    await reopened.add([{ key: 'k2', vector: row(7) }]);
    assert.deepEqual((await EmbeddingCache.open(run, id)).get('k2'), row(7));
  });

  it('refuses a file of another embedder and rows of another width', async () => {
    const run = runDir();
    const cache = await EmbeddingCache.open(run, id);
    await cache.add([{ key: 'k1', vector: row(1) }]);
    await assert.rejects(cache.add([{ key: 'k2', vector: new Float32Array(4) }]), RangeError);
    const other = await EmbeddingCache.open(run, 'openai:x');
    writeFileSync(other.indexPath, readFileSync(cache.indexPath));
    await assert.rejects(EmbeddingCache.open(run, 'openai:x'), /does not match \(it holds 'transformers:.*', not 'openai:x'\); delete it/);
  });
});
