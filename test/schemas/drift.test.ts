import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { FORMATS, generateSchemas, ROOT, SCHEMA_DIR, schemaFile } from '../../scripts/gen-schemas.js';

const FIX = 'run `npm run schemas` and commit src/schemas/';

/** Every `format: 'neurolens-…'` tag written in src/ (type declarations and object literals alike). */
function formatTags(dir: string, out = new Set<string>()): Set<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) formatTags(path, out);
    else if (e.name.endsWith('.ts')) for (const m of readFileSync(path, 'utf8').matchAll(/format: '(neurolens-[a-z-]+)'/g)) out.add(m[1]!);
  }
  return out;
}

test('every stored neurolens-* format has a schema entry', () => {
  const listed = new Set<string>(FORMATS.map((f) => f.format));
  for (const tag of formatTags(join(ROOT, 'src'))) assert.ok(listed.has(tag), `format ${tag} has no entry in scripts/gen-schemas.ts FORMATS; add its type there and ${FIX}`);
});

test('src/schemas matches the TypeScript types (no drift)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'neurolens-schemas-'));
  try {
    const written = generateSchemas(tmp);
    const checkedIn = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json')).sort();
    assert.deepEqual(checkedIn, [...written].sort(), `src/schemas/ holds other files than the formats' schemas; ${FIX}`);
    for (const { format, type } of FORMATS) {
      const name = schemaFile(format);
      const fresh = readFileSync(join(tmp, name), 'utf8');
      const stored = readFileSync(join(SCHEMA_DIR, name), 'utf8');
      assert.ok(fresh === stored, `${relative(ROOT, join(SCHEMA_DIR, name))} is out of date with the type ${type}; ${FIX}`);
      assert.equal(JSON.parse(fresh).$ref, `#/definitions/${type}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
