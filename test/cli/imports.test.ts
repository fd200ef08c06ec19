/**
 * The CLI is a thin layer over the public library: it may reach the library only through src/index.ts
 * and the modules src/index.ts re-exports (importing those one by one, inside the action that needs
 * them, is what keeps `neurolens --version` from loading the runtime).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { reExportedModules, relativeImports, tsFiles } from '../helpers/imports.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');
const CLI_DIR = join(SRC, 'cli');
const INDEX = join(SRC, 'index.ts');

test('relativeImports finds static, re-export and dynamic imports', () => {
  const source = "import { a } from '../x.js';\nexport { b } from \"./y.js\";\nconst c = await import('../../z.js');\nimport './side.js';\nimport d from 'commander';";
  assert.deepEqual(relativeImports(source), ['../x.js', './y.js', '../../z.js', './side.js']);
});

test('reExportedModules follows export-from chains and nothing else', () => {
  const publicModules = reExportedModules(INDEX);
  assert.ok(publicModules.has(join(SRC, 'record', 'recorder.ts')), 'export { record } from');
  assert.ok(publicModules.has(join(SRC, 'messages', 'cli.ts')), 'export * from, then export { … } from');
  assert.ok(publicModules.has(join(SRC, 'record', 'defaults.ts')), 're-exported by a re-exported module');
  assert.ok(!publicModules.has(join(SRC, 'maps', 'ablate.ts')), 'a module the API only imports is not public');
});

test('src/cli imports nothing of the library but src/index.ts and the modules it re-exports', () => {
  const files = tsFiles(CLI_DIR);
  assert.ok(files.length >= 10, 'the CLI files were found');
  const publicModules = reExportedModules(INDEX);
  const offenders: string[] = [];
  for (const file of files) {
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      const inside = !relative(CLI_DIR, target).startsWith('..');
      if (!inside && !publicModules.has(target)) offenders.push(`${relative(SRC, file)}: ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});

