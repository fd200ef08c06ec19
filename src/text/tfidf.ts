/**
 * TF-IDF text embeddings: the default embedder — offline, fast and deterministic.
 *
 * For n captions (documents) and a feature t (a word or a bigram, see ./tokenize.ts):
 *   tf(t, d)  = number of times t occurs in caption d
 *   df(t)     = number of captions containing t
 *   w(t, d)   = (1 + ln tf(t, d)) · (ln((1 + n) / (1 + df(t))) + 1)      sublinear tf × smooth idf
 *   row(d)    = w(·, d) / ‖w(·, d)‖₂                                      L2-normalised
 * (the same weighting as scikit-learn's TfidfVectorizer(sublinear_tf=True, smooth_idf=True,
 * ngram_range=(1, 2)), apart from the tokeniser and stop-word rules). A caption with no kept
 * feature gets an all-zero row. Weights are computed in float64 and stored as float32.
 *
 * Vocabulary: features in at least `minDf` captions; when more than `maxFeatures` remain, the
 * ones in the most captions are kept (ties: code-unit order of the term). The kept terms are then
 * sorted by code-unit order, which fixes the column order. IDF uses df over all n captions.
 *
 * Dimensions are capped because the clustering step takes a dense float32 matrix: rows × dims × 4
 * bytes, 410 MB for 25,000 captions at the default 4,096. The same matrix also comes back sparse
 * (CSR), which is far smaller and faster for nearest-neighbour search on short captions.
 */
import { textFeatures, resolveStopWords, compareStrings, type StopWordsOption } from './tokenize.js';
import type { TextEmbedder } from './types.js';

export interface TfidfOptions {
  /** Drop features found in fewer than this many captions (an integer ≥ 1). Default 1. */
  minDf?: number;
  /**
   * Keep at most this many features, those found in the most captions (ties by term). Bounds the
   * dense matrix: rows × maxFeatures float32. Default {@link DEFAULT_MAX_FEATURES}.
   */
  maxFeatures?: number;
  /** Stop words dropped from unigrams and bigrams (see ./tokenize.ts). Default `'english'`. */
  stopWords?: StopWordsOption;
  /** Add bigrams of adjacent non-stop-word tokens as features. Default true. */
  bigrams?: boolean;
}

export const DEFAULT_MAX_FEATURES = 4096;

/** A rows × dims sparse matrix in CSR form: row r's entries are `indptr[r] .. indptr[r+1]-1`. */
export interface CsrMatrix {
  indptr: Int32Array;
  /** Column of each entry, ascending within a row. */
  indices: Int32Array;
  values: Float32Array;
}

export interface TfidfResult {
  /** Dense, row-major: captions × dims float32, every non-empty row of unit L2 norm. */
  vectors: Float32Array;
  dims: number;
  /** Column terms in column order (code-unit sorted); bigrams are "word word". */
  vocabulary: string[];
  /** IDF of each column. */
  idf: Float64Array;
  /** The same matrix as {@link vectors}, sparse. */
  sparse: CsrMatrix;
}

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`tfidf: ${name} must be an integer ≥ 1, got ${value}`);
}

/** TF-IDF matrix of `texts` (see the module comment for the exact formulas). */
export function tfidf(texts: readonly string[], options: TfidfOptions = {}): TfidfResult {
  const minDf = options.minDf ?? 1;
  const maxFeatures = options.maxFeatures ?? DEFAULT_MAX_FEATURES;
  checkCount('minDf', minDf);
  checkCount('maxFeatures', maxFeatures);
  const stopWords = resolveStopWords(options.stopWords);
  const n = texts.length;

  // Pass 1: intern every feature, count df, and keep each caption's (term id, count) pairs.
  const termIds = new Map<string, number>();
  const terms: string[] = [];
  const df: number[] = [];
  const docPtr = new Int32Array(n + 1);
  const docTerms: number[] = [];
  const docCounts: number[] = [];
  const local = new Map<number, number>();
  for (let d = 0; d < n; d++) {
    local.clear();
    for (const feature of textFeatures(texts[d]!, stopWords, options.bigrams ?? true)) {
      let id = termIds.get(feature);
      if (id === undefined) {
        id = terms.length;
        termIds.set(feature, id);
        terms.push(feature);
        df.push(0);
      }
      local.set(id, (local.get(id) ?? 0) + 1);
    }
    for (const [id, count] of local) {
      df[id]! += 1;
      docTerms.push(id);
      docCounts.push(count);
    }
    docPtr[d + 1] = docTerms.length;
  }

  // Vocabulary: df ≥ minDf, the maxFeatures most frequent (ties by term), in term order.
  let kept: number[] = [];
  for (let id = 0; id < terms.length; id++) if (df[id]! >= minDf) kept.push(id);
  if (kept.length > maxFeatures) {
    kept.sort((a, b) => df[b]! - df[a]! || compareStrings(terms[a]!, terms[b]!));
    kept = kept.slice(0, maxFeatures);
  }
  kept.sort((a, b) => compareStrings(terms[a]!, terms[b]!));
  const dims = kept.length;
  const column = new Int32Array(terms.length).fill(-1);
  const idf = new Float64Array(dims);
  const vocabulary: string[] = new Array<string>(dims);
  kept.forEach((id, col) => {
    column[id] = col;
    vocabulary[col] = terms[id]!;
    idf[col] = Math.log((1 + n) / (1 + df[id]!)) + 1;
  });

  // Pass 2: weights, L2 norm, dense and CSR rows.
  const vectors = new Float32Array(n * dims);
  const indptr = new Int32Array(n + 1);
  const indices: number[] = [];
  const values: number[] = [];
  const row: { col: number; w: number }[] = [];
  for (let d = 0; d < n; d++) {
    row.length = 0;
    for (let k = docPtr[d]!; k < docPtr[d + 1]!; k++) {
      const col = column[docTerms[k]!]!;
      if (col >= 0) row.push({ col, w: (1 + Math.log(docCounts[k]!)) * idf[col]! });
    }
    row.sort((a, b) => a.col - b.col);
    let sumSq = 0;
    for (const e of row) sumSq += e.w * e.w;
    const norm = Math.sqrt(sumSq);
    const base = d * dims;
    for (const e of row) {
      const v = e.w / norm;
      vectors[base + e.col] = v;
      indices.push(e.col);
      values.push(v);
    }
    indptr[d + 1] = indices.length;
  }
  return {
    vectors,
    dims,
    vocabulary,
    idf,
    sparse: { indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) },
  };
}

/**
 * {@link tfidf} as a {@link TextEmbedder}. TF-IDF is fitted on the texts of each `embed` call, so
 * a row depends on the whole corpus: `perText` is false and nothing is cached per caption (it is
 * cheap to recompute). `dims` and `vocabulary` describe the last `embed` call.
 */
export class TfidfEmbedder implements TextEmbedder {
  readonly id = 'tfidf';
  readonly perText = false;
  dims = 0;
  vocabulary: string[] = [];
  last: TfidfResult | undefined;

  constructor(readonly options: TfidfOptions = {}) {}

  async embed(texts: readonly string[]): Promise<Float32Array> {
    const result = tfidf(texts, this.options);
    this.dims = result.dims;
    this.vocabulary = result.vocabulary;
    this.last = result;
    return result.vectors;
  }
}
