/**
 * Reading `manifest.json` as data, not as a cast: the JSON Schema generated from `RunManifest`
 * (src/schemas/neurolens-run.schema.json, see scripts) is checked with ajv, after the format and
 * version are checked by hand so that a newer run gets "upgrade", not a list of schema errors.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { NeurolensError } from '../errors.js';
import { runMessages } from '../messages/run.js';
import type { RunManifest } from '../record/types.js';
import schema from '../schemas/neurolens-run.schema.json' with { type: 'json' };

/** The manifest version this neurolens writes and reads. */
export const RUN_FORMAT_VERSION = 1;

let validator: ReturnType<Ajv['compile']> | undefined;
function validate(value: unknown): ErrorObject[] {
  validator ??= new Ajv({ allErrors: false, strict: false }).compile(schema);
  return validator(value) ? [] : (validator.errors ?? []);
}

/** `/layers/0/channels` → `layers[0].channels`: how a user finds the field in the file. */
function fieldName(error: ErrorObject): string {
  const parts = error.instancePath.split('/').slice(1);
  const extra = error.keyword === 'required' ? (error.params as { missingProperty: string }).missingProperty : error.keyword === 'additionalProperties' ? (error.params as { additionalProperty: string }).additionalProperty : undefined;
  if (extra !== undefined) parts.push(extra);
  return parts.length === 0 ? 'the manifest' : parts.reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : out ? `${out}.${p}` : p), '');
}

function problemOf(error: ErrorObject): string {
  if (error.keyword === 'required') return 'is missing';
  if (error.keyword === 'additionalProperties') return 'is not a field of a run manifest';
  return error.message ?? 'is invalid';
}

/** Reads and validates `dir`/manifest.json; `shown` is the run as the user named it. */
export async function readManifest(dir: string, shown: string): Promise<RunManifest> {
  const file = join(shown, 'manifest.json');
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new NeurolensError('input', runMessages.notARun(shown));
  if (!info.isDirectory()) throw new NeurolensError('input', runMessages.notAFolder(shown));
  let text: string;
  try {
    text = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    if (code === 'ENOENT') throw new NeurolensError('input', runMessages.notARun(shown), { cause: error });
    throw new NeurolensError('input', runMessages.manifestUnreadable(file, code), { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const detail = text.trim() === '' ? 'empty' : `not valid JSON: ${(error as Error).message.split('\n')[0]}`;
    throw new NeurolensError('input', runMessages.manifestBroken(file, detail), { cause: error });
  }
  const head = value as { format?: unknown; formatVersion?: unknown; neurolensVersion?: unknown } | null;
  if (head === null || typeof head !== 'object' || Array.isArray(head) || head.format !== 'neurolens-run') throw new NeurolensError('input', runMessages.notAManifest(file));
  if (typeof head.formatVersion === 'number' && head.formatVersion > RUN_FORMAT_VERSION) {
    throw new NeurolensError('input', runMessages.newerFormat(file, head.formatVersion, head.neurolensVersion));
  }
  const [error] = validate(value);
  if (error) throw new NeurolensError('input', runMessages.schemaViolation(file, fieldName(error), problemOf(error)));
  return value as RunManifest;
}
