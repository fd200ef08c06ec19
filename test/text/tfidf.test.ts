import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tfidf, TfidfEmbedder } from '../../src/text/tfidf.js';
import { textFeatures, tokenize, ENGLISH_STOP_WORDS } from '../../src/text/tokenize.js';

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual} vs ${expected}`);

describe('tokenize and features', () => {
  it('lower-cases, splits on non letters/digits, keeps Unicode letters', () => {
    assert.deepEqual(tokenize("A Dog's BALL, 3 Cafés & ＦＵＬＬ-width_x"), ['a', 'dog', 's', 'ball', '3', 'cafés', 'full', 'width', 'x']);
  });

  it('drops stop words and makes bigrams only of adjacent non-stop words', () => {
    assert.deepEqual(textFeatures('A red car on the road', ENGLISH_STOP_WORDS), ['red', 'red car', 'car', 'road']);
    assert.deepEqual(textFeatures('a photo of a dog', ENGLISH_STOP_WORDS), ['photo', 'dog']);
    assert.deepEqual(textFeatures('on the', ENGLISH_STOP_WORDS), []);
  });
});

describe('tfidf', () => {
  // Hand computation, n = 3:
  //   d0 "red car red car": red×2, car×2, "red car"×2, "car red"×1
  //   d1 "Red truck":       red, truck, "red truck"
  //   d2 "blue sky!":       blue, sky, "blue sky"
  //   df(red) = 2 → idf = ln(4/3) + 1; every other feature df = 1 → idf = ln(4/2) + 1
  const docs = ['red car red car', 'Red truck', 'blue sky!'];
  const idf1 = Math.log(2) + 1;
  const idf2 = Math.log(4 / 3) + 1;
  const tf2 = 1 + Math.log(2);

  it('vocabulary: unigrams and bigrams in code-unit order', () => {
    const r = tfidf(docs);
    assert.deepEqual(r.vocabulary, ['blue', 'blue sky', 'car', 'car red', 'red', 'red car', 'red truck', 'sky', 'truck']);
    assert.equal(r.dims, 9);
    assert.equal(r.vectors.length, 27);
    close(r.idf[4]!, idf2, 'idf(red)');
    close(r.idf[0]!, idf1, 'idf(blue)');
  });

  it('sublinear tf × smooth idf, L2-normalised rows', () => {
    const r = tfidf(docs);
    const row = (d: number) => Array.from(r.vectors.subarray(d * 9, d * 9 + 9));
    // d0: blue, blue sky, car, car red, red, red car, red truck, sky, truck
    const raw0 = [0, 0, tf2 * idf1, 1 * idf1, tf2 * idf2, tf2 * idf1, 0, 0, 0];
    const norm0 = Math.hypot(...raw0);
    row(0).forEach((v, i) => close(v, raw0[i]! / norm0, `d0[${r.vocabulary[i]}]`));
    const raw1 = [0, 0, 0, 0, idf2, 0, idf1, 0, idf1];
    const norm1 = Math.hypot(...raw1);
    row(1).forEach((v, i) => close(v, raw1[i]! / norm1, `d1[${r.vocabulary[i]}]`));
    // d2: three features of equal weight → each 1/√3
    row(2).forEach((v, i) => close(v, [0, 1, 7].includes(i) ? 1 / Math.sqrt(3) : 0, `d2[${r.vocabulary[i]}]`));
    for (let d = 0; d < 3; d++) close(Math.hypot(...row(d)), 1, `‖row ${d}‖`);
  });

  it('the sparse form holds the same matrix', () => {
    const r = tfidf(docs);
    const dense = new Float32Array(27);
    for (let d = 0; d < 3; d++) {
      for (let k = r.sparse.indptr[d]!; k < r.sparse.indptr[d + 1]!; k++) dense[d * 9 + r.sparse.indices[k]!] = r.sparse.values[k]!;
    }
    assert.deepEqual(dense, r.vectors);
    assert.deepEqual(Array.from(r.sparse.indptr), [0, 4, 7, 10]);
  });

  it('a caption with no feature is an all-zero row', () => {
    const r = tfidf(['the of a', 'dog']);
    assert.deepEqual(r.vocabulary, ['dog']);
    assert.deepEqual(Array.from(r.vectors), [0, 1]);
  });

  it('minDf drops rare terms; maxFeatures keeps the highest df, ties by term', () => {
    const texts = ['apple banana', 'apple cherry', 'banana cherry', 'apple date'];
    // df: apple 3, banana 2, cherry 2, date 1, every bigram 1
    assert.deepEqual(tfidf(texts, { minDf: 2 }).vocabulary, ['apple', 'banana', 'cherry']);
    assert.deepEqual(tfidf(texts, { maxFeatures: 2 }).vocabulary, ['apple', 'banana']);
    // ties at df 1: 'apple banana' < 'apple cherry' < 'apple date' < ...
    assert.deepEqual(tfidf(texts, { maxFeatures: 5 }).vocabulary, ['apple', 'apple banana', 'apple cherry', 'banana', 'cherry']);
    assert.deepEqual(tfidf(texts, { bigrams: false }).vocabulary, ['apple', 'banana', 'cherry', 'date']);
    assert.throws(() => tfidf(texts, { minDf: 0 }), RangeError);
  });

  it('stop words: none keeps every token', () => {
    assert.deepEqual(tfidf(['a dog'], { stopWords: 'none' }).vocabulary, ['a', 'a dog', 'dog']);
    assert.deepEqual(tfidf(['a dog'], { stopWords: ['Dog'] }).vocabulary, ['a']);
  });

  it('is deterministic: the same input gives identical bytes', () => {
    const texts = Array.from({ length: 300 }, (_, i) => `caption ${i % 17} of a ${['red', 'blue', 'green'][i % 3]} thing ${i % 5}`);
    const a = tfidf(texts, { maxFeatures: 40 });
    const b = tfidf([...texts], { maxFeatures: 40 });
    assert.ok(Buffer.from(a.vectors.buffer).equals(Buffer.from(b.vectors.buffer)));
    assert.deepEqual(a.vocabulary, b.vocabulary);
    assert.equal(a.dims, 40);
  });

  it('TfidfEmbedder is corpus-fitted (not cached per text) and reports dims', async () => {
    const embedder = new TfidfEmbedder();
    assert.equal(embedder.id, 'tfidf');
    assert.equal(embedder.perText, false);
    const vectors = await embedder.embed(docs);
    assert.equal(embedder.dims, 9);
    assert.deepEqual(vectors, tfidf(docs).vectors);
  });
});
