// Validates a stored document against its checked-in JSON Schema (src/schemas/), so a test of a
// writer also proves the file matches the format the schema (and so the TS type) declares.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';

const SCHEMAS = join(import.meta.dirname, '..', '..', 'src', 'schemas');
const ajv = new Ajv({ allErrors: true, strict: false });

/** Fails with every schema violation of `doc` against src/schemas/<format>.schema.json. */
export function assertFormat(format: string, doc: unknown): void {
  const validate = ajv.getSchema(format) ?? (ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, `${format}.schema.json`), 'utf8')), format), ajv.getSchema(format)!);
  if (validate(doc)) return;
  assert.fail(`${format}: ${ajv.errorsText(validate.errors, { separator: '; ' })}`);
}
