/**
 * src/maps (regions, crops, ablation) is the shared interventions layer under circuits, attribution
 * and neurons: it must not import any of them, or the layers would depend on each other in a circle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { relativeImports, tsFiles } from '../helpers/imports.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');
const FORBIDDEN = ['circuits', 'attribution', 'neurons'];

test('src/maps imports nothing from src/circuits, src/attribution or src/neurons', () => {
  const files = tsFiles(join(SRC, 'maps'));
  assert.ok(files.some((f) => f.endsWith('ablate.ts')), 'the maps files were found');
  const offenders: string[] = [];
  for (const file of files) {
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
      const area = relative(SRC, resolve(dirname(file), spec)).split(sep)[0]!;
      if (FORBIDDEN.includes(area)) offenders.push(`${relative(SRC, file)}: ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});
