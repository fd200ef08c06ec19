/**
 * Tokens and features of a caption, shared by the TF-IDF embedder and the c-TF-IDF keywords so
 * both see the same words.
 *
 * - Text is NFKC-normalised (full-width letters, ligatures and composed accents become one form),
 *   then lower-cased with `toLowerCase()` (locale-independent).
 * - A token is a maximal run of Unicode letters, combining marks and digits (`[\p{L}\p{M}\p{N}]+`);
 *   every other character (spaces, punctuation, symbols, `_`, `'`) separates tokens, so "dog's"
 *   gives "dog" and "s" (the latter is a stop word).
 * - Stop words ({@link ENGLISH_STOP_WORDS} by default) are dropped as unigrams, and a bigram is two
 *   tokens that stand next to each other in the text with neither a stop word: "a red car on the
 *   road" gives red, car, road, "red car" — not "car road", since "on the" stood between them.
 * - A bigram feature is written as its two tokens joined by one space; tokens never hold a space,
 *   so a feature string is unambiguous.
 */

/**
 * A small English stop-word list written for captions: articles, pronouns, auxiliaries,
 * prepositions, conjunctions and a few fillers. Content words that captions repeat ("photo",
 * "image") are deliberately not here: IDF (and c-TF-IDF's cross-cluster term frequency) already
 * weighs them down, and in some collections they carry meaning.
 */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all also am an and any are as at be been before being below ' +
    'between both but by can could did do does doing down during each either few for from further ' +
    'had has have having he her here hers herself him himself his how i if in into is it its itself ' +
    'just me more most my myself neither no nor not now of off on once only or other our ours ' +
    'ourselves out over own s same she should so some such t than that the their theirs them ' +
    'themselves then there these they this those through to too under until up very was we were ' +
    'what when where which while who whom why will with would you your yours yourself yourselves ' +
    'd ll m re ve isn aren wasn weren doesn didn don hasn haven hadn won wouldn shouldn couldn ' +
    'cannot'
  ).split(' '),
);

/** Which stop words to drop: the built-in English list, none, or your own (lower-case) words. */
export type StopWordsOption = 'english' | 'none' | readonly string[];

export function resolveStopWords(option: StopWordsOption | undefined): ReadonlySet<string> {
  if (option === undefined || option === 'english') return ENGLISH_STOP_WORDS;
  if (option === 'none') return new Set();
  return new Set(option.map((w) => w.normalize('NFKC').toLowerCase()));
}

const TOKEN = /[\p{L}\p{M}\p{N}]+/gu;

/** The tokens of `text` in order, stop words included (see the module comment). */
export function tokenize(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(TOKEN) ?? [];
}

/**
 * Unigram and bigram features of `text` in reading order: for each non-stop token, the token,
 * then the bigram it forms with the next token when that one is not a stop word either.
 */
export function textFeatures(text: string, stopWords: ReadonlySet<string>, bigrams = true): string[] {
  const tokens = tokenize(text);
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (stopWords.has(token)) continue;
    out.push(token);
    const next = tokens[i + 1];
    if (bigrams && next !== undefined && !stopWords.has(next)) out.push(`${token} ${next}`);
  }
  return out;
}

/** Code-unit order: deterministic and locale-independent (unlike `localeCompare`). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
