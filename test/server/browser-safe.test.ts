// The explorer bundles some library modules into the browser (the live interventions' model
// rewrite, the URL codec, the API contract). A Node-only import reached from them would break the
// page at run time, not at build time, so this walks the value imports from web/src and fails first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const NODE_ONLY = /^(node:|sharp$|onnxruntime-node$)/;

/** Module specifiers of value imports and re-exports (`import type` / `export type` are erased). */
function valueImports(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"]([^'"]+)['"]/g)) if (!m[1]) out.push(m[3]!);
  for (const m of source.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  return out;
}

/** Every .ts and .tsx file of the app. */
function appFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? appFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []));
}

function resolveTs(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec).replace(/\.js$/, '');
  for (const candidate of [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return null;
}

test('library modules the explorer bundles reach no Node-only import', () => {
  const seen = new Set<string>();
  const problems: string[] = [];
  const visit = (file: string, via: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of valueImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = resolveTs(file, spec);
        if (target) visit(target, `${via} → ${relative(ROOT, target)}`);
      } else if (NODE_ONLY.test(spec)) problems.push(`${via} imports ${spec}`);
    }
  };
  for (const file of appFiles(join(ROOT, 'web', 'src'))) visit(file, relative(ROOT, file));
  assert.ok([...seen].some((f) => f.endsWith(join('src', 'edit', 'scalable.ts'))), 'the walk reaches the model rewrite');
  assert.deepEqual(problems, []);
});
