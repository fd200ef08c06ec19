/**
 * The JSON schemas the summarizer asks for, and a validator for exactly the subset they use
 * (objects with required properties and no others, strings, arrays). The same schema object is
 * sent as `response_format` and checked here: servers that ignore `response_format`, or follow it
 * loosely, are caught before their output reaches a caption.
 */

export type JsonSchema =
  | { type: 'string'; description?: string }
  | { type: 'array'; items: JsonSchema; description?: string }
  | {
      type: 'object';
      properties: Readonly<Record<string, JsonSchema>>;
      required: readonly string[];
      additionalProperties: false;
      description?: string;
    };

/** `{ caption }`: one cluster's summary, or the generalisation of its children. */
export const CAPTION_SCHEMA = {
  type: 'object',
  properties: { caption: { type: 'string', description: 'one short caption, at most 12 words' } },
  required: ['caption'],
  additionalProperties: false,
} as const satisfies JsonSchema;

/** `{ differences: [{ id, difference }] }`: per child, what its caption adds to the parent's. */
export const DIFFERENCES_SCHEMA = {
  type: 'object',
  properties: {
    differences: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string', description: 'the child id, exactly as given' },
          difference: { type: 'string', description: "what the child's caption says that the parent's does not, at most 10 words" },
        },
        required: ['id', 'difference'],
        additionalProperties: false,
      },
    },
  },
  required: ['differences'],
  additionalProperties: false,
} as const satisfies JsonSchema;

/** The chat-completions `response_format` asking for output matching `schema` (strict mode). */
export function jsonSchemaFormat(name: string, schema: JsonSchema) {
  return { type: 'json_schema' as const, json_schema: { name, strict: true, schema: schema as unknown as Record<string, unknown> } };
}

/** The first way `value` breaks `schema`, as "$.path: problem", or undefined when it conforms. */
export function validateJson(schema: JsonSchema, value: unknown, path = '$'): string | undefined {
  switch (schema.type) {
    case 'string':
      return typeof value === 'string' ? undefined : `${path}: expected a string, got ${describe(value)}`;
    case 'array': {
      if (!Array.isArray(value)) return `${path}: expected an array, got ${describe(value)}`;
      for (let i = 0; i < value.length; i++) {
        const problem = validateJson(schema.items, value[i], `${path}[${i}]`);
        if (problem) return problem;
      }
      return undefined;
    }
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return `${path}: expected an object, got ${describe(value)}`;
      }
      const record = value as Record<string, unknown>;
      for (const name of schema.required) {
        if (!(name in record)) return `${path}: missing property '${name}'`;
      }
      for (const [name, item] of Object.entries(record)) {
        const sub = schema.properties[name];
        if (!sub) return `${path}: unexpected property '${name}'`;
        const problem = validateJson(sub, item, `${path}.${name}`);
        if (problem) return problem;
      }
      return undefined;
    }
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/**
 * Parses a model's JSON reply. Tolerates one Markdown code fence around it (some models add one
 * even when asked for JSON) but nothing else.
 */
export function parseJsonReply(content: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?\s*```\s*$/i.exec(content);
  const text = fenced ? fenced[1]! : content;
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, problem: `not JSON (${(err as Error).message})` };
  }
}
