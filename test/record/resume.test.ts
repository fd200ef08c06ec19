import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { assertSameFiles, cliArgs, journalLines, killWhen, makeWorkspace, recordHere } from './helpers.js';

test('kill -9 mid-recording or mid-finalize, then the same command: byte-identical to an uninterrupted run', { timeout: 180_000 }, async () => {
  const ws = await makeWorkspace(tinyResNet(), 160);
  const reference = join(ws.dir, 'reference');
  const first = await recordHere(ws.model, ws.images, reference);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /recorded 160 images \(2 skipped\)/);

  // 1. Killed after a few chunks were journaled.
  const midway = join(ws.dir, 'midway');
  await killWhen(cliArgs(ws.model, ws.images, midway), midway, () => journalLines(midway) >= 3);
  assert.ok(!existsSync(join(midway, 'manifest.json')), 'no manifest before the run completes');
  const journaled = journalLines(midway);
  assert.ok(journaled >= 3 && journaled < 21, `journal holds ${journaled} chunks`);
  const resumed = await recordHere(ws.model, ws.images, midway);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /warning: took over the lock of .*midway left by `record` \(pid \d+, since .*\), which is no longer running/);
  assertSameFiles(reference, midway, 'the uninterrupted recording');

  // 2. Killed while finalizing (after every chunk was journaled).
  const late = join(ws.dir, 'late');
  await killWhen(cliArgs(ws.model, ws.images, late), late, (stderr) => stderr.includes('"progress":"finalize"'));
  assert.ok(!existsSync(join(late, 'manifest.json')) || existsSync(join(late, '.record')), 'killed before the run was complete');
  const finished = await recordHere(ws.model, ws.images, late);
  assert.equal(finished.status, 0, finished.stderr);
  assertSameFiles(reference, late, 'the uninterrupted recording');

  // 3. Running the finished command again is a no-op.
  const noop = await recordHere(ws.model, ws.images, late);
  assert.equal(noop.status, 0);
  assert.match(noop.stdout, /already complete/);
  assertSameFiles(reference, late, 'the uninterrupted recording');
});
