import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { supportedOps } from '../../src/grad/rules/index.js';

test('the README lists exactly the ops with a backward rule', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const listed = /<!-- grad-ops -->(.*?)<!-- \/grad-ops -->/.exec(readme)?.[1];
  assert.ok(listed, 'README.md has a <!-- grad-ops --> list');
  assert.deepEqual(listed.split(', '), supportedOps());
});
