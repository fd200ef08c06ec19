/** The CLI is a thin layer over the public library: it may reach the library only through src/index.ts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { relativeImports, tsFiles } from '../helpers/imports.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');
const CLI_DIR = join(SRC, 'cli');
const INDEX = join(SRC, 'index.ts');

test('relativeImports finds static, re-export and dynamic imports', () => {
  const source = "import { a } from '../x.js';\nexport { b } from \"./y.js\";\nconst c = await import('../../z.js');\nimport './side.js';\nimport d from 'commander';";
  assert.deepEqual(relativeImports(source), ['../x.js', './y.js', '../../z.js', './side.js']);
});

test('src/cli imports nothing of the library except through src/index.ts', () => {
  const files = tsFiles(CLI_DIR);
  assert.ok(files.length >= 10, 'the CLI files were found');
  const offenders: string[] = [];
  for (const file of files) {
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      const inside = !relative(CLI_DIR, target).startsWith('..');
      if (!inside && target !== INDEX) offenders.push(`${relative(SRC, file)}: ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});

