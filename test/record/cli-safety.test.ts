import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { tinyResNet } from '../fixtures/tiny-models.js';
import { cliArgs, ENV, journalLines, killWhen, makeWorkspace, recordHere, runToEnd, snapshotFiles } from './helpers.js';

function assertSameFiles(expectedRoot: string, actualRoot: string): void {
  const expected = snapshotFiles(expectedRoot);
  const actual = snapshotFiles(actualRoot);
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [name, bytes] of expected) assert.ok(bytes.equals(actual.get(name)!), `${name} differs`);
}

function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0]!, pattern);
}

const until = async (ok: () => boolean) => {
  while (!ok()) await new Promise((r) => setTimeout(r, 10));
};

test('a second record on a RUN being recorded fails at once naming the first; the first completes as a single run would', { timeout: 180_000 }, async () => {
  const ws = await makeWorkspace(tinyResNet(), 40);
  const reference = join(ws.dir, 'reference');
  assert.equal((await recordHere(ws.model, ws.images, reference)).status, 0);

  const out = join(ws.dir, 'run');
  const first = spawn(process.execPath, cliArgs(ws.model, ws.images, out), { env: ENV });
  const exited = new Promise<number | null>((resolve) => first.on('exit', (code) => resolve(code)));
  let firstErr = '';
  first.stderr.on('data', (d: Buffer) => (firstErr += d.toString()));
  // Paused while holding the lock, so the second command surely meets a recording in progress.
  await until(() => existsSync(join(out, '.lock')) && existsSync(join(out, '.record', 'state.json')));
  first.kill('SIGSTOP');
  const started = Date.now();
  // Its own process, as a second user's command would be: the lock is held by another live process.
  const second = runToEnd(cliArgs(ws.model, ws.images, out));
  first.kill('SIGCONT');
  assert.equal(second.status, 1);
  assertOneLine(second.stderr, new RegExp(`^neurolens: error: .*run is being written by \`record\` \\(pid ${first.pid} on .*, since .*\\); wait for it to finish .*delete .*\\.lock$`));
  assert.ok(Date.now() - started < 30_000);
  assert.equal(await exited, 0, firstErr);
  assert.ok(!existsSync(join(out, '.record')) && !existsSync(join(out, '.lock')));
  assertSameFiles(reference, out);
});

test('an image changed in place (same size) between a crash and the resume is recorded again', { timeout: 180_000 }, async () => {
  const ws = await makeWorkspace(tinyResNet(), 60);
  // Uncompressed PNGs: the file size depends only on the image size, so new pixels keep the size.
  const png = (seed: number) => {
    const raw = Buffer.alloc(16 * 16 * 3, 0).map((_, i) => (i * seed) % 251);
    return sharp(raw, { raw: { width: 16, height: 16, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
  };
  const changed = join(ws.images, 'img0001.png');
  writeFileSync(changed, await png(7));
  const out = join(ws.dir, 'run');
  await killWhen(cliArgs(ws.model, ws.images, out), out, () => journalLines(out) >= 2);
  const size = statSync(changed).size;
  writeFileSync(changed, await png(13));
  assert.equal(statSync(changed).size, size);

  const resumed = await recordHere(ws.model, ws.images, out);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /warning: img0001\.png changed since it was recorded \(same size, different content\); recording its chunk 0 again/);
  const reference = join(ws.dir, 'reference');
  assert.equal((await recordHere(ws.model, ws.images, reference)).status, 0);
  assertSameFiles(reference, out);
});

test('record --out naming an existing file: one line, exit 2, the file untouched', async () => {
  const ws = await makeWorkspace(tinyResNet(), 1, { broken: false });
  const file = join(ws.dir, 'notes.txt');
  writeFileSync(file, 'mine');
  const result = await recordHere(ws.model, ws.images, file);
  assert.equal(result.status, 2);
  assertOneLine(result.stderr, /^neurolens: error: .*notes\.txt is a file .*choose a folder path/);
  assert.equal(readFileSync(file, 'utf8'), 'mine');
});

test('record on a damaged finished RUN says what it rebuilt, exit 0, same bytes as before', { timeout: 120_000 }, async () => {
  const ws = await makeWorkspace(tinyResNet(), 6);
  const out = join(ws.dir, 'run');
  assert.equal((await recordHere(ws.model, ws.images, out)).status, 0);
  const original = join(ws.dir, 'original');
  cpSync(out, original, { recursive: true });
  unlinkSync(join(out, 'stats', 'layer1.0.max.topk.npy'));
  const derived = await recordHere(ws.model, ws.images, out);
  assert.equal(derived.status, 0, derived.stderr);
  assert.match(derived.stderr, /^neurolens: warning: stats\/layer1\.0\.max\.topk\.npy is damaged \(missing\); rebuilding it$/m);
  assert.match(derived.stdout, /^rebuilt stats\/layer1\.0\.max\.topk\.npy in .*run\n.*run is now complete: 6 images, 2 skipped\n$/);
  truncateSync(join(out, 'logits.npy'), 10);
  const primary = await recordHere(ws.model, ws.images, out);
  assert.equal(primary.status, 0, primary.stderr);
  assert.match(primary.stdout, /^rebuilt logits\.npy in .*run\nrecorded 6 images \(2 skipped\)/);
  assertSameFiles(original, out);
});
