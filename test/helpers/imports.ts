/** Reading a source tree's relative imports, for the tests that keep module layers apart. */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Every .ts file under `dir`, recursively. */
export function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every relative module specifier of `import … from` / `export … from` / `import('…')`. */
export function relativeImports(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]+)\1/g)) found.push(m[2]!);
  return found;
}

/**
 * The modules that make up the public API: `entry` and every module it re-exports from
 * (`export … from`, `export * from`, `export type … from`), followed through nested re-exports.
 */
export function reExportedModules(entry: string): Set<string> {
  const found = new Set<string>([entry]);
  const queue = [entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/\bexport\s+(?:type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\})\s*from\s*(['"])(\.{1,2}\/[^'"]+)\1/g)) {
      const target = resolve(dirname(file), m[2]!).replace(/\.js$/, '.ts');
      if (!found.has(target)) {
        found.add(target);
        queue.push(target);
      }
    }
  }
  return found;
}
