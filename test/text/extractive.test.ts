import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clusterKeywords, clusterMedoids, extractiveCaptions, extractiveSummarizer } from '../../src/text/extractive.js';
import { tfidf } from '../../src/text/tfidf.js';
import { Random } from '../../src/util/random.js';

describe('extractive cluster captions', () => {
  const captions = [
    'a red car',               // 0  cluster 0
    'clear blue sky',          // 1  cluster 1
    'a red car on the road',   // 2  cluster 0
    'blue sky',                // 3  cluster 1
    'a red truck',             // 4  cluster 0
    'blue sky with clouds',    // 5  cluster 1
  ];
  const partition = Int32Array.from([0, 1, 0, 1, 0, 1]);

  it('picks the most central caption and the most distinctive keywords per cluster', () => {
    const { vectors } = tfidf(captions);
    const result = extractiveCaptions(captions, vectors, partition);
    assert.equal(result.length, 2);
    assert.deepEqual(result[0], {
      caption: 'a red car',
      // c-TF-IDF, len(c0) = 10, len(c1) = 12, A = 11: red 3/10·ln(1+11/3) > car = "red car" 2/10·ln(1+11/2)
      // (tie → code-unit order) > "red truck" = road = truck 1/10·ln(12); truck is a word of "red truck".
      keywords: ['red', 'car', 'red car', 'red truck', 'road'],
      medoid: 0,
      method: 'extractive',
    });
    assert.equal(result[1]!.caption, 'blue sky');
    assert.equal(result[1]!.medoid, 3);
    // blue, "blue sky", sky tie at 3/12·ln(1+11/3): sky is a word of the higher-ranked "blue sky".
    assert.deepEqual(result[1]!.keywords, ['blue', 'blue sky', 'clear', 'clear blue', 'clouds']);
  });

  it('c-TF-IDF scores follow the documented formula', () => {
    const members = [[0, 2, 4], [1, 3, 5]];
    const [c0] = clusterKeywords(captions, members, 1);
    assert.deepEqual(c0, ['red']);
    const red = (3 / 10) * Math.log(1 + 11 / 3);
    const car = (2 / 10) * Math.log(1 + 11 / 2);
    assert.ok(red > car); // the ranking the test above relies on
  });

  it('skips a word already covered by a higher-ranked bigram, but a word above a bigram does not block it', () => {
    const texts = ['sports car', 'sports car', 'sports field', 'car park'];
    const keywords = clusterKeywords(texts, [[0, 1], [2, 3]], 5);
    // Cluster 0: "sports car" only here → ranks first, and covers "sports" and "car".
    assert.deepEqual(keywords[0], ['sports car']);
    // Cluster 1: ties at 1/6·ln 7 in code-unit order: "car park", field, park (covered), "sports field";
    // then car and sports (1/6·ln 3) are covered.
    assert.deepEqual(keywords[1], ['car park', 'field', 'sports field']);
  });

  it('medoid: highest mean cosine to the other members; ties to the lowest row; singletons', () => {
    const e = Float32Array.from([1, 0, 0.9, 0.1, 0, 1, 5, 5, 0, 0]);
    // rows 0..2 in one cluster: mean cos of row 1 (between the others) is highest; row 3 alone; row 4 alone (zero)
    assert.deepEqual(clusterMedoids(e, 2, [[0, 1, 2], [3], [4]]), [1, 3, 4]);
    // identical rows tie → lowest row; scaling a row does not change cosine
    const tie = Float32Array.from([1, 1, 0, 1, 2, 2, 1, 0]);
    assert.deepEqual(clusterMedoids(tie, 2, [[0, 1, 2, 3]]), [0]);
  });

  it('the O(m·d) medoid equals the brute-force pairwise medoid', () => {
    const rng = new Random(7);
    const m = 40;
    const d = 16;
    const e = rng.normalArray(m * d);
    const cos = (a: number, b: number) => {
      let dot = 0, na = 0, nb = 0;
      for (let i = 0; i < d; i++) {
        dot += e[a * d + i]! * e[b * d + i]!;
        na += e[a * d + i]! ** 2;
        nb += e[b * d + i]! ** 2;
      }
      return dot / Math.sqrt(na * nb);
    };
    let best = 0;
    let bestScore = -Infinity;
    for (let a = 0; a < m; a++) {
      let s = 0;
      for (let b = 0; b < m; b++) if (b !== a) s += cos(a, b);
      if (s > bestScore) [best, bestScore] = [a, s];
    }
    assert.deepEqual(clusterMedoids(e, d, [Array.from({ length: m }, (_, i) => i)]), [best]);
  });

  it('reports medoids as image indices and is deterministic', async () => {
    const { vectors } = tfidf(captions);
    const imageIndex = [10, 11, 12, 13, 14, 15];
    const a = extractiveCaptions(captions, vectors, partition, { imageIndex, keywords: 2 });
    assert.deepEqual(a.map((c) => c.medoid), [10, 13]);
    assert.deepEqual(a[0]!.keywords, ['red', 'car']);
    const b = await extractiveSummarizer({ keywords: 2 }).summarize({ captions, embeddings: vectors, partition, imageIndex });
    assert.deepEqual(JSON.stringify(a), JSON.stringify(b));
  });

  it('rejects partitions that do not fit', () => {
    const { vectors } = tfidf(captions);
    assert.throws(() => extractiveCaptions(captions, vectors, Int32Array.from([0, 0])), /partition has 2 entries for 6 captions/);
    assert.throws(() => extractiveCaptions(captions, vectors, Int32Array.from([0, 2, 0, 2, 0, 2])), /no member for cluster 1/);
    assert.throws(() => extractiveCaptions(captions, vectors.subarray(1), partition), /not a multiple/);
  });
});
