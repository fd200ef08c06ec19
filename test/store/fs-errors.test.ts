import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NeurolensError } from '../../src/errors.js';
import { storeMessages } from '../../src/messages/store.js';
import { writeJsonAtomic } from '../../src/store/atomic.js';
import { wrapFsError } from '../../src/store/fs-errors.js';
import { appendJournal } from '../../src/store/journal.js';
import { NpyRowWriter } from '../../src/store/npy.js';

const dir = mkdtempSync(join(tmpdir(), 'neurolens-fserr-'));
after(() => {
  chmodSync(dir, 0o700);
  rmSync(dir, { recursive: true, force: true });
});

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed`), { code });
}

describe('wrapFsError', () => {
  it('turns a full disk into a one-line io error naming the path and how to resume', () => {
    const err = wrapFsError(errno('ENOSPC'), '/runs/r1/acts/layer1.npy');
    assert.ok(err instanceof NeurolensError);
    assert.equal(err.kind, 'io');
    assert.equal(err.exitCode, 1);
    assert.equal(
      err.message,
      'Cannot write /runs/r1/acts/layer1.npy: no space left on device. Free disk space and re-run the same command to resume.',
    );
    assert.equal((err.cause as NodeJS.ErrnoException).code, 'ENOSPC');
    assert.ok(!err.message.includes('\n'));
  });

  it('covers permissions and read-only file systems', () => {
    for (const code of ['EACCES', 'EPERM', 'EROFS', 'EDQUOT']) {
      const err = wrapFsError(errno(code), '/out/x');
      assert.ok(err instanceof NeurolensError && err.kind === 'io', code);
      assert.match(err.message, /^Cannot write \/out\/x: .*re-run the same command/);
    }
  });

  it('passes other errors through untouched', () => {
    const enoent = errno('ENOENT');
    assert.equal(wrapFsError(enoent, '/x'), enoent);
    const plain = new TypeError('bug');
    assert.equal(wrapFsError(plain, '/x'), plain);
  });

  it('is applied by real writers (a write to /dev/full fails with ENOSPC)', async (t) => {
    if (!existsSync('/dev/full')) {
      t.skip('/dev/full is not available on this system');
      return;
    }
    await assert.rejects(
      appendJournal('/dev/full', { batch: 1 }),
      (err: unknown) => err instanceof NeurolensError && err.kind === 'io' && err.message === storeMessages.diskFull('/dev/full'),
    );
  });

  it('is applied by real writers (permission denied)', async (t) => {
    if (process.getuid?.() === 0) {
      t.skip('running as root: permission bits do not stop writes');
      return;
    }
    const locked = mkdtempSync(join(dir, 'locked-'));
    chmodSync(locked, 0o500);
    const isIo = (err: unknown) => err instanceof NeurolensError && err.kind === 'io' && err.message.includes(locked);
    await assert.rejects(writeJsonAtomic(join(locked, 'm.json'), {}), isIo);
    await assert.rejects(appendJournal(join(locked, 'j.jsonl'), {}), isIo);
    await assert.rejects(NpyRowWriter.open(join(locked, 'a.npy'), 'float32', [1, 1]), isIo);
    chmodSync(locked, 0o700);
  });
});
