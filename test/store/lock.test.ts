import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireRunLock, RUN_LOCK_FILE, withRunLock, type RunLockOwner } from '../../src/store/lock.js';
import { NeurolensError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'neurolens-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
function runDir(): string {
  const path = join(dir, `run${++counter}`);
  mkdirSync(path);
  return path;
}

/** The pid of a process that has exited (so no live process has it, barring reuse). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function writeLock(run: string, owner: RunLockOwner): void {
  writeFileSync(join(run, RUN_LOCK_FILE), JSON.stringify(owner));
}

const oneLine = (pattern: RegExp) => (e: unknown) => e instanceof NeurolensError && pattern.test(e.message) && !e.message.includes('\n');

describe('run folder lock', () => {
  it('holds RUN/.lock naming this process while the function runs, and removes it after', async () => {
    const run = runDir();
    const seen = await withRunLock(run, 'record', async () => JSON.parse(readFileSync(join(run, RUN_LOCK_FILE), 'utf8')) as RunLockOwner);
    assert.equal(seen.pid, process.pid);
    assert.equal(seen.hostname, hostname());
    assert.equal(seen.command, 'record');
    assert.ok(!Number.isNaN(Date.parse(seen.since)));
    assert.deepEqual(readdirSync(run), [], 'lock and its temp file are gone');
  });

  it('is released when the function throws', async () => {
    const run = runDir();
    await assert.rejects(withRunLock(run, 'record', async () => { throw new Error('boom'); }), /boom/);
    assert.ok(!existsSync(join(run, RUN_LOCK_FILE)));
  });

  it('refuses at once, in one line naming the other live process and the fix', async () => {
    const run = runDir();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const owner = { pid: other.pid!, hostname: hostname(), command: 'concepts', since: '2026-01-02T03:04:05.000Z' };
      writeLock(run, owner);
      let ran = false;
      await assert.rejects(
        withRunLock(run, 'record', async () => { ran = true; }),
        oneLine(new RegExp(`being written by \`concepts\` \\(pid ${other.pid} on .*since 2026-01-02T03:04:05\\.000Z\\); wait for it to finish.*delete .*\\.lock`)),
      );
      assert.equal(ran, false);
      assert.deepEqual(JSON.parse(readFileSync(join(run, RUN_LOCK_FILE), 'utf8')), owner, 'the holder keeps its lock');
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over a stale lock (its process is dead) and says so', async () => {
    const run = runDir();
    const pid = deadPid();
    writeLock(run, { pid, hostname: hostname(), command: 'record', since: '2026-01-02T03:04:05.000Z' });
    const warnings: string[] = [];
    const holder = await withRunLock(run, 'probe', async () => JSON.parse(readFileSync(join(run, RUN_LOCK_FILE), 'utf8')) as RunLockOwner, {
      onWarning: (w) => warnings.push(w),
    });
    assert.equal(holder.pid, process.pid);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, new RegExp(`took over the lock of .* left by \`record\` \\(pid ${pid}, .*no longer running`));
    assert.ok(!existsSync(join(run, RUN_LOCK_FILE)));
  });

  it('never takes over a lock held on another host', async () => {
    const run = runDir();
    writeLock(run, { pid: deadPid(), hostname: `${hostname()}-elsewhere`, command: 'record', since: '2026-01-02T03:04:05.000Z' });
    await assert.rejects(withRunLock(run, 'record', async () => undefined), oneLine(/-elsewhere/));
  });

  it('is re-entrant along a call chain, but excludes an independent call in the same process', async () => {
    const run = runDir();
    await withRunLock(run, 'neurons', () => withRunLock(run, 'circuits', async () => undefined));
    assert.ok(!existsSync(join(run, RUN_LOCK_FILE)));
    let release!: () => void;
    const first = withRunLock(run, 'record', () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(withRunLock(run, 'record', async () => undefined), oneLine(new RegExp(`pid ${process.pid}`)));
    release();
    await first;
    assert.ok(!existsSync(join(run, RUN_LOCK_FILE)));
  });

  it('takes over a lock with this process\'s pid that this process does not hold (a reused pid)', async () => {
    const run = runDir();
    writeLock(run, { pid: process.pid, hostname: hostname(), command: 'record', since: '2020-01-01T00:00:00.000Z' });
    const warnings: string[] = [];
    await withRunLock(run, 'record', async () => undefined, { onWarning: (w) => warnings.push(w) });
    assert.equal(warnings.length, 1);
  });

  it('refuses a file where a folder should be (usage), and creates a missing folder only when asked', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    await assert.rejects(acquireRunLock(file, 'record', { create: true }), (e: unknown) => e instanceof NeurolensError && e.exitCode === 2 && /a-file is a file/.test(e.message));
    assert.equal(readFileSync(file, 'utf8'), 'x');
    const missing = join(dir, 'missing');
    await withRunLock(missing, 'concepts', async () => undefined);
    assert.ok(!existsSync(missing), 'not created without create: true');
    // A folder made for the lock alone is removed again when the writer wrote nothing.
    const fresh = join(dir, 'fresh');
    await assert.rejects(withRunLock(fresh, 'record', async () => { throw new Error('bad model'); }, { create: true }));
    assert.ok(!existsSync(fresh));
    await withRunLock(fresh, 'record', async () => writeFileSync(join(fresh, 'kept'), ''), { create: true });
    assert.deepEqual(readdirSync(fresh), ['kept']);
  });
});
