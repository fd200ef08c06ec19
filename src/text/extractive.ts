/**
 * Extractive cluster captions: each cluster of a level is named by one of its own captions (the
 * medoid's) plus its distinctive keywords. Offline and deterministic.
 *
 * Medoid — the member whose embedding has the highest mean cosine similarity to the other
 * members. With unit rows uᵢ = xᵢ/‖xᵢ‖ (an all-zero row stays zero) and S = Σ_{j∈c} uⱼ,
 *     mean_cos(i) = (uᵢ·S − uᵢ·uᵢ) / (m − 1)
 * which equals the average over the m − 1 others but costs O(m·dims) instead of O(m²·dims).
 * Sums are float64; ties (exactly equal scores, as identical captions give) go to the lowest
 * row. A singleton is its own medoid.
 *
 * Keywords — class-based TF-IDF (c-TF-IDF, as in BERTopic) against the other clusters of the
 * same level. All captions of cluster c form one document; features are the unigrams and
 * bigrams of ./tokenize.ts (stop words dropped, bigrams only of adjacent non-stop words):
 *     tf(t, c)  = occurrences of feature t in cluster c's captions
 *     len(c)    = Σ_t tf(t, c)                       (the cluster's length in features)
 *     f(t)      = Σ_c tf(t, c)                       (t's frequency across the level's clusters)
 *     A         = Σ_c len(c) / k                     (average cluster length, k clusters)
 *     score     = tf(t, c) / len(c) · ln(1 + A / f(t))
 * Features are ranked by score (descending, ties by code-unit order of the term) and taken in
 * that order, skipping a word that is one of the two words of a bigram already taken (so "red
 * car" is not followed by "red"), until K are taken. A word ranked above a bigram containing it
 * does not block the bigram.
 */
import { compareStrings, resolveStopWords, textFeatures, type StopWordsOption } from './tokenize.js';
import type { ClusterCaption, ClusterLevel, ClusterSummarizer } from './types.js';

export interface ExtractiveOptions {
  /** Keywords per cluster (K). Default 5. */
  keywords?: number;
  /** Stop words left out of keywords (see ./tokenize.ts). Default `'english'`. */
  stopWords?: StopWordsOption;
  /** Image index of each row, reported as `medoid`; the identity when absent. */
  imageIndex?: ArrayLike<number>;
}

/** Members of each cluster (rows ascending); checks the partition's shape. */
export function clusterMembers(partition: Int32Array, rows: number): number[][] {
  if (partition.length !== rows) throw new RangeError(`partition has ${partition.length} entries for ${rows} captions`);
  let k = 0;
  for (const c of partition) {
    if (c < 0) throw new RangeError(`partition holds cluster id ${c}; ids must be 0 … k−1`);
    if (c + 1 > k) k = c + 1;
  }
  const members: number[][] = Array.from({ length: k }, () => []);
  partition.forEach((c, row) => members[c]!.push(row));
  const empty = members.findIndex((m) => m.length === 0);
  if (empty !== -1) throw new RangeError(`partition has no member for cluster ${empty}; ids must be 0 … k−1 without gaps`);
  return members;
}

/** Row index (into `members`' rows) of each cluster's medoid (see the module comment). */
export function clusterMedoids(embeddings: Float32Array, dims: number, members: readonly number[][]): number[] {
  return members.map((rows) => {
    if (rows.length === 1) return rows[0]!;
    // Two passes over the rows (nothing per member but its scale): S = Σ uⱼ, then each uᵢ·S.
    const scale = rows.map((r) => {
      let sq = 0;
      for (let i = r * dims; i < (r + 1) * dims; i++) sq += embeddings[i]! * embeddings[i]!;
      return sq > 0 ? 1 / Math.sqrt(sq) : 0;
    });
    const sum = new Float64Array(dims);
    rows.forEach((r, j) => {
      const base = r * dims;
      for (let i = 0; i < dims; i++) sum[i]! += embeddings[base + i]! * scale[j]!;
    });
    let best = rows[0]!;
    let bestScore = -Infinity;
    rows.forEach((r, j) => {
      const base = r * dims;
      let dot = 0;
      let self = 0;
      for (let i = 0; i < dims; i++) {
        const u = embeddings[base + i]! * scale[j]!;
        dot += u * sum[i]!;
        self += u * u;
      }
      const score = (dot - self) / (rows.length - 1);
      if (score > bestScore) {
        bestScore = score;
        best = r;
      }
    });
    return best;
  });
}

/** Top `k` c-TF-IDF keywords of each cluster (see the module comment). */
export function clusterKeywords(
  captions: readonly string[],
  members: readonly number[][],
  k = 5,
  stopWords: StopWordsOption = 'english',
): string[][] {
  const stop = resolveStopWords(stopWords);
  const termIds = new Map<string, number>();
  const terms: string[] = [];
  const total: number[] = []; // f(t)
  const counts = members.map((rows) => {
    const tf = new Map<number, number>();
    for (const row of rows) {
      for (const feature of textFeatures(captions[row]!, stop)) {
        let id = termIds.get(feature);
        if (id === undefined) {
          id = terms.length;
          termIds.set(feature, id);
          terms.push(feature);
          total.push(0);
        }
        tf.set(id, (tf.get(id) ?? 0) + 1);
        total[id]! += 1;
      }
    }
    return tf;
  });
  const lengths = counts.map((tf) => [...tf.values()].reduce((a, b) => a + b, 0));
  const average = lengths.reduce((a, b) => a + b, 0) / Math.max(1, members.length);

  return counts.map((tf, c) => {
    const ranked = [...tf].map(([id, count]) => ({
      term: terms[id]!,
      score: (count / lengths[c]!) * Math.log(1 + average / total[id]!),
    }));
    ranked.sort((a, b) => b.score - a.score || compareStrings(a.term, b.term));
    const chosen: string[] = [];
    const covered = new Set<string>(); // words of bigrams already chosen
    for (const { term } of ranked) {
      if (chosen.length >= k) break;
      const words = term.split(' ');
      if (words.length === 1 && covered.has(term)) continue;
      chosen.push(term);
      if (words.length === 2) for (const w of words) covered.add(w);
    }
    return chosen;
  });
}

/**
 * One extractive caption per cluster of `partition` (cluster ids 0 … k−1, one per caption row):
 * the medoid's caption and the top keywords. `embeddings` is row-major captions × dims.
 */
export function extractiveCaptions(
  captions: readonly string[],
  embeddings: Float32Array,
  partition: Int32Array,
  options: ExtractiveOptions = {},
): ClusterCaption[] {
  const n = captions.length;
  const dims = n === 0 ? 0 : embeddings.length / n;
  if (!Number.isInteger(dims)) throw new RangeError(`embeddings hold ${embeddings.length} values, not a multiple of ${n} captions`);
  const k = options.keywords ?? 5;
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`keywords must be an integer ≥ 0, got ${k}`);
  const imageIndex = options.imageIndex;
  if (imageIndex !== undefined && imageIndex.length !== n) throw new RangeError(`imageIndex has ${imageIndex.length} entries for ${n} captions`);
  const members = clusterMembers(partition, n);
  const medoids = clusterMedoids(embeddings, dims, members);
  const keywords = clusterKeywords(captions, members, k, options.stopWords);
  return medoids.map((row, c) => ({
    caption: captions[row]!,
    keywords: keywords[c]!,
    medoid: imageIndex === undefined ? row : imageIndex[row]!,
    method: 'extractive' as const,
  }));
}

/** {@link extractiveCaptions} as a {@link ClusterSummarizer} (id `extractive`). */
export function extractiveSummarizer(options: Omit<ExtractiveOptions, 'imageIndex'> = {}): ClusterSummarizer {
  return {
    id: 'extractive',
    summarize: async (level: ClusterLevel) =>
      extractiveCaptions(level.captions, level.embeddings, level.partition, { ...options, imageIndex: level.imageIndex }),
  };
}
