import { Random } from '../util/random.js';
import type { LlmClient } from './client.js';
import { CAPTION_SCHEMA, DIFFERENCES_SCHEMA, type JsonSchema } from './schema.js';
import { askStructured, cleanCaption, type Check, type LlmResult } from './structured.js';

/**
 * `--summarizer openai:<model>`: an LLM writes the captions of the concept hierarchy —
 * (a) one caption summarising a cluster's member captions (at most K, sampled with a seed),
 * (b) at level ≥ 2 a generalisation of the children's captions,
 * (c) per child, what its caption says that its parent's does not.
 * Every answer is JSON checked against a schema (./schema.ts); an unusable answer is retried once
 * and then returned as a typed failure so the caller can fall back to its extractive method.
 */

export const SUMMARIZER_SYSTEM_PROMPT =
  'You name what groups of neurons in an image-recognition model respond to, from captions of the ' +
  'images that activate them most. Be concrete and short: name the shared visual content (objects, ' +
  'parts, colours, textures, scenes), never "images" or "photos". Reply with JSON only.';

export const DEFAULT_SAMPLE_K = 20;
/** Longest caption accepted, in characters: a longer reply did not follow the instructions. */
export const MAX_CAPTION_CHARS = 200;

export interface SummarizerOptions {
  client: LlmClient;
  /** Model id on the server (`openai:<model>` without the prefix). */
  model: string;
  /** Default for {@link SummarizeClusterInput.sampleK}: member captions shown to the model. Default 20. */
  sampleK?: number;
  /** Default for {@link SummarizeClusterInput.seed}, also sent as the request `seed`. Default 0. */
  seed?: number;
  /** Replies tried per question before returning a failure (the retry shows the model its error). Default 2. */
  attempts?: number;
  /** Sampling temperature; null omits it (for models accepting only their default). Default 0. */
  temperature?: number | null;
}

export interface SummarizeClusterInput {
  /** The member captions (one per top image, duplicates allowed). */
  captions: readonly string[];
  /** At most this many captions are shown, sampled with `seed` when there are more. */
  sampleK?: number;
  /** Seed of the sample, so the same cluster gives the same prompt. */
  seed?: number;
}

export interface ChildCaption {
  /** The child's id as the caller knows it; echoed back in the answer. */
  id: string;
  caption: string;
}

export interface ChildDifference {
  id: string;
  /** What the child's caption says that its parent's does not. */
  difference: string;
}

/**
 * At most `k` of `captions`, chosen by a seeded shuffle, in their original order, with repeats
 * folded into a count (so "a red heart ×3" costs one line). Captions are whitespace-normalised and
 * empty ones dropped first.
 */
export function sampleCaptions(captions: readonly string[], k: number, seed: number): Array<{ caption: string; count: number }> {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`sampleCaptions: k must be an integer ≥ 1, got ${k}`);
  const clean = captions.map(cleanCaption).filter((c) => c.length > 0);
  let chosen = clean.map((_, i) => i);
  if (clean.length > k) chosen = new Random(seed).shuffle(chosen).slice(0, k).sort((a, b) => a - b);
  const counts = new Map<string, number>();
  for (const i of chosen) counts.set(clean[i]!, (counts.get(clean[i]!) ?? 0) + 1);
  return [...counts].map(([caption, count]) => ({ caption, count }));
}

const captionCheck: Check<string> = (value) => {
  const caption = cleanCaption((value as { caption: string }).caption);
  if (!caption) return { ok: false, problem: 'the caption is empty' };
  if (caption.length > MAX_CAPTION_CHARS) return { ok: false, problem: `the caption is longer than ${MAX_CAPTION_CHARS} characters` };
  return { ok: true, value: caption };
};

export class OpenAiSummarizer {
  /** `openai:<model>`: what the caller records as the origin of each caption made here. */
  readonly method: string;
  private readonly client: LlmClient;
  private readonly model: string;
  private readonly sampleK: number;
  private readonly seed: number;
  private readonly attempts: number;
  private readonly temperature: number | null;

  constructor(options: SummarizerOptions) {
    this.client = options.client;
    this.model = options.model;
    this.method = `openai:${options.model}`;
    this.sampleK = options.sampleK ?? DEFAULT_SAMPLE_K;
    this.seed = options.seed ?? 0;
    this.attempts = options.attempts ?? 2;
    this.temperature = options.temperature === undefined ? 0 : options.temperature;
    if (!Number.isInteger(this.attempts) || this.attempts < 1) throw new RangeError(`OpenAiSummarizer: attempts must be an integer ≥ 1, got ${this.attempts}`);
  }

  /** (a) One caption for what a cluster's member captions have in common. */
  async summarizeCluster(input: SummarizeClusterInput): Promise<LlmResult<string>> {
    const seed = input.seed ?? this.seed;
    const sample = sampleCaptions(input.captions, input.sampleK ?? this.sampleK, seed);
    if (sample.length === 0) throw new RangeError('summarizeCluster: no non-empty captions');
    const lines = sample.map(({ caption, count }) => `- ${caption}${count > 1 ? ` (×${count})` : ''}`);
    const user =
      'Captions of images that strongly activate one group of neurons:\n' +
      `${lines.join('\n')}\n\n` +
      'Write one caption of at most 12 words for what these images have in common. ' +
      'Reply as JSON: {"caption": "..."}';
    return this.ask(user, 'cluster_caption', CAPTION_SCHEMA, captionCheck, seed);
  }

  /** (b) One caption generalising the captions of a cluster's children (level ≥ 2). */
  async generaliseChildren(input: { childCaptions: readonly string[] }): Promise<LlmResult<string>> {
    const captions = input.childCaptions.map(cleanCaption).filter((c) => c.length > 0);
    if (captions.length === 0) throw new RangeError('generaliseChildren: no non-empty child captions');
    const user =
      'Captions of the sub-groups that make up one larger group of neurons:\n' +
      `${captions.map((c) => `- ${c}`).join('\n')}\n\n` +
      'Write one caption of at most 12 words for the broader concept that covers all of them. ' +
      'Reply as JSON: {"caption": "..."}';
    return this.ask(user, 'generalised_caption', CAPTION_SCHEMA, captionCheck, this.seed);
  }

  /** (c) Per child, what its caption says that the parent's does not; in the children's order. */
  async describeDifferences(input: { parentCaption: string; children: readonly ChildCaption[] }): Promise<LlmResult<ChildDifference[]>> {
    const ids = input.children.map((c) => c.id);
    if (new Set(ids).size !== ids.length) throw new RangeError('describeDifferences: child ids must be unique');
    if (ids.length === 0) return { ok: true, value: [], method: this.method };
    const user =
      `Caption of a parent group of neurons: ${JSON.stringify(cleanCaption(input.parentCaption))}\n` +
      'Captions of its child groups:\n' +
      `${input.children.map((c) => `- id ${JSON.stringify(c.id)}: ${cleanCaption(c.caption)}`).join('\n')}\n\n` +
      "For each child, say in at most 10 words what its caption says that the parent's does not. " +
      'Reply as JSON: {"differences": [{"id": "...", "difference": "..."}]}, one entry per child id, in the order given.';
    const check: Check<ChildDifference[]> = (value) => {
      const byId = new Map<string, string>();
      for (const { id, difference } of (value as { differences: ChildDifference[] }).differences) {
        if (!ids.includes(id)) return { ok: false, problem: `unknown child id ${JSON.stringify(id)}` };
        if (byId.has(id)) return { ok: false, problem: `child id ${JSON.stringify(id)} appears twice` };
        const text = cleanCaption(difference);
        if (!text) return { ok: false, problem: `the difference for child ${JSON.stringify(id)} is empty` };
        if (text.length > MAX_CAPTION_CHARS) return { ok: false, problem: `the difference for child ${JSON.stringify(id)} is too long` };
        byId.set(id, text);
      }
      const missing = ids.filter((id) => !byId.has(id));
      if (missing.length > 0) return { ok: false, problem: `no entry for child id(s) ${missing.map((id) => JSON.stringify(id)).join(', ')}` };
      return { ok: true, value: ids.map((id) => ({ id, difference: byId.get(id)! })) };
    };
    return this.ask(user, 'child_differences', DIFFERENCES_SCHEMA, check, this.seed);
  }

  private ask<T>(user: string, schemaName: string, schema: JsonSchema, check: Check<T>, seed: number) {
    return askStructured({
      client: this.client, model: this.model, system: SUMMARIZER_SYSTEM_PROMPT, user, schemaName, schema, check,
      attempts: this.attempts, temperature: this.temperature, seed,
    });
  }
}
