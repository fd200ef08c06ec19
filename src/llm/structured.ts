import type { ChatBody, LlmClient } from './client.js';
import { jsonSchemaFormat, parseJsonReply, validateJson, type JsonSchema } from './schema.js';

/**
 * Asking an LLM for JSON that matches a schema, with a second chance: an invalid reply (not JSON,
 * not matching the schema, or failing the caller's own check) is shown back to the model with the
 * problem, once by default. If that fails too the caller gets a typed failure — never an exception
 * — and falls back to its extractive method, recording which method produced each caption.
 * Transport problems (server down, bad key) are NeurolensErrors thrown by the client instead.
 */

/** `method` is `openai:<model>`, what the caller records as the caption's origin. */
export type LlmResult<T> =
  | { ok: true; value: T; method: string }
  | { ok: false; reason: LlmFailureReason; detail: string; attempts: number };

/**
 * - `invalid-output`: not JSON, not matching the schema, or failing a content check (empty
 *   caption, unknown child id, ...);
 * - `refused`: the model declined (the API's `refusal` field);
 * - `truncated`: the reply hit the token limit (`finish_reason: length`).
 */
export type LlmFailureReason = 'invalid-output' | 'refused' | 'truncated';

export type Check<T> = (value: unknown) => { ok: true; value: T } | { ok: false; problem: string };

export interface StructuredRequest<T> {
  client: LlmClient;
  model: string;
  system: string;
  user: string;
  schemaName: string;
  schema: JsonSchema;
  check: Check<T>;
  /** Replies tried before giving up (≥ 1). */
  attempts: number;
  /** Sampling temperature; null leaves it to the server (models that accept only their default). */
  temperature: number | null;
  /** Sent as `seed`, honoured by servers that support it (determinism on a local server). */
  seed: number;
}

export async function askStructured<T>(request: StructuredRequest<T>): Promise<LlmResult<T>> {
  const { client, model, schema, check } = request;
  const base: ChatBody['messages'] = [
    { role: 'system', content: request.system },
    { role: 'user', content: request.user },
  ];
  let messages = base;
  let failure: { reason: LlmFailureReason; detail: string } = { reason: 'invalid-output', detail: 'no attempt made' };
  for (let attempt = 1; attempt <= request.attempts; attempt++) {
    const body: ChatBody = {
      model,
      messages,
      response_format: jsonSchemaFormat(request.schemaName, schema),
      seed: request.seed,
      ...(request.temperature === null ? {} : { temperature: request.temperature }),
    };
    const reply = await client.chat({ body });
    if (reply.refusal) {
      failure = { reason: 'refused', detail: reply.refusal };
    } else if (reply.finishReason === 'length') {
      failure = { reason: 'truncated', detail: 'the reply hit the token limit' };
    } else {
      const parsed = parseJsonReply(reply.content ?? '');
      const problem = !parsed.ok ? parsed.problem : validateJson(schema, parsed.value);
      if (parsed.ok && problem === undefined) {
        const checked = check(parsed.value);
        if (checked.ok) return { ok: true, value: checked.value, method: `openai:${model}` };
        failure = { reason: 'invalid-output', detail: checked.problem };
      } else {
        failure = { reason: 'invalid-output', detail: problem ?? 'invalid' };
      }
    }
    // The retry shows the model its reply and what was wrong with it; being a different request,
    // it has its own cache entry, so a re-run replays both attempts from the cache.
    messages = [
      ...base,
      { role: 'assistant', content: reply.content ?? reply.refusal ?? '' },
      { role: 'user', content: `That reply was not usable (${failure.detail}). Answer again with only JSON matching the schema.` },
    ];
  }
  return { ok: false, ...failure, attempts: request.attempts };
}

/** Collapses whitespace and strips wrapping quotes and a final full stop from a caption. */
export function cleanCaption(text: string): string {
  let out = text.replace(/\s+/g, ' ').trim();
  if (/^(["'“‘]).*(["'”’])$/.test(out) && out.length >= 2) out = out.slice(1, -1).trim();
  return out.replace(/\.$/, '').trim();
}
