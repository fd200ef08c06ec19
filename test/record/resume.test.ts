import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { makeWorkspace, snapshotFiles } from './helpers.js';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const ENV = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };

function cliArgs(model: string, images: string, out: string): string[] {
  return ['--import', 'tsx', CLI, 'record', '--model', model, '--images', images, '--out', out, '--batch', '2', '--chunk', '8', '--threads', '1'];
}

function runToEnd(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, args, { env: ENV, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function journalLines(out: string): number {
  const path = join(out, '.record', 'journal.jsonl');
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0).length : 0;
}

/** Starts a recording and SIGKILLs it as soon as `when` says so (checked on every progress line and every 5 ms). */
function killWhen(args: string[], out: string, when: (stderr: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: ENV });
    let stderr = '';
    let killed = false;
    const check = () => {
      if (!killed && when(stderr)) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    const timer = setInterval(check, 5);
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
      check();
    });
    child.on('exit', (_code, signal) => {
      clearInterval(timer);
      if (signal === 'SIGKILL') resolve(stderr);
      else reject(new Error(`the recording finished before it could be killed (journal: ${journalLines(out)} chunks); stderr: ${stderr}`));
    });
  });
}

function assertSameFiles(expectedRoot: string, actualRoot: string): void {
  const expected = snapshotFiles(expectedRoot);
  const actual = snapshotFiles(actualRoot);
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [name, bytes] of expected) assert.ok(bytes.equals(actual.get(name)!), `${name} differs after resume`);
}

test('kill -9 mid-recording or mid-finalize, then the same command: byte-identical to an uninterrupted run', { timeout: 180_000 }, async () => {
  const ws = await makeWorkspace(tinyResNet(), 160);
  const reference = join(ws.dir, 'reference');
  const first = runToEnd(cliArgs(ws.model, ws.images, reference));
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /recorded 160 images \(2 skipped\)/);

  // 1. Killed after a few chunks were journaled.
  const midway = join(ws.dir, 'midway');
  await killWhen(cliArgs(ws.model, ws.images, midway), midway, () => journalLines(midway) >= 3);
  assert.ok(!existsSync(join(midway, 'manifest.json')), 'no manifest before the run completes');
  const journaled = journalLines(midway);
  assert.ok(journaled >= 3 && journaled < 21, `journal holds ${journaled} chunks`);
  const resumed = runToEnd(cliArgs(ws.model, ws.images, midway));
  assert.equal(resumed.status, 0, resumed.stderr);
  assertSameFiles(reference, midway);

  // 2. Killed while finalizing (after every chunk was journaled).
  const late = join(ws.dir, 'late');
  await killWhen(cliArgs(ws.model, ws.images, late), late, (stderr) => stderr.includes('"progress":"finalize"'));
  assert.ok(!existsSync(join(late, 'manifest.json')) || existsSync(join(late, '.record')), 'killed before the run was complete');
  const finished = runToEnd(cliArgs(ws.model, ws.images, late));
  assert.equal(finished.status, 0, finished.stderr);
  assertSameFiles(reference, late);

  // 3. Running the finished command again is a no-op.
  const noop = runToEnd(cliArgs(ws.model, ws.images, late));
  assert.equal(noop.status, 0);
  assert.match(noop.stdout, /already complete/);
  assertSameFiles(reference, late);
});
