import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NeurolensError } from '../../src/errors.js';
import { appendJournal, readJournal, recoverJournal } from '../../src/store/journal.js';

const dir = mkdtempSync(join(tmpdir(), 'neurolens-journal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function fresh(): string {
  counter += 1;
  return join(dir, `j${counter}.jsonl`);
}

describe('journal', () => {
  it('a missing journal reads as empty', async () => {
    assert.deepEqual(await readJournal(fresh()), []);
    assert.deepEqual(await recoverJournal(fresh()), []);
  });

  it('appends one JSON line per record and reads them back in order', async () => {
    const path = fresh();
    await appendJournal(path, { batch: 0, images: [0, 1] });
    await appendJournal(path, { batch: 1, name: 'café\nline' });
    await appendJournal(path, 42);
    assert.equal(readFileSync(path, 'utf8'), '{"batch":0,"images":[0,1]}\n{"batch":1,"name":"café\\nline"}\n42\n');
    assert.deepEqual(await readJournal(path), [{ batch: 0, images: [0, 1] }, { batch: 1, name: 'café\nline' }, 42]);
  });

  it('ignores a truncated last line (kill -9 mid-append)', async () => {
    const path = fresh();
    await appendJournal(path, { batch: 0 });
    await appendJournal(path, { batch: 1 });
    appendFileSync(path, '{"batch":2,"ima');
    assert.deepEqual(await readJournal(path), [{ batch: 0 }, { batch: 1 }]);
  });

  it('ignores a last line that ends in a newline but does not parse (power loss)', async () => {
    const path = fresh();
    await appendJournal(path, { batch: 0 });
    appendFileSync(path, '\0\0\0\0\n');
    assert.deepEqual(await readJournal(path), [{ batch: 0 }]);
  });

  it('the next append cuts the torn fragment off instead of merging with it', async () => {
    const path = fresh();
    await appendJournal(path, { batch: 0 });
    appendFileSync(path, '{"batch":1,"x":[1,2');
    await appendJournal(path, { batch: 1, x: [1, 2, 3] });
    assert.equal(readFileSync(path, 'utf8'), '{"batch":0}\n{"batch":1,"x":[1,2,3]}\n');
    // A fragment longer than the tail-scan chunk, in a file with no newline at all.
    const lone = fresh();
    writeFileSync(lone, 'x'.repeat(10_000));
    await appendJournal(lone, { ok: true });
    assert.equal(readFileSync(lone, 'utf8'), '{"ok":true}\n');
  });

  it('recoverJournal returns the records and truncates a torn tail', async () => {
    const path = fresh();
    await appendJournal(path, { a: 1 });
    appendFileSync(path, 'garbage\n');
    assert.deepEqual(await recoverJournal(path), [{ a: 1 }]);
    assert.equal(readFileSync(path, 'utf8'), '{"a":1}\n');
    assert.deepEqual(await recoverJournal(path), [{ a: 1 }]);
  });

  it('a corrupt line in the middle is a clear error', async () => {
    const path = fresh();
    writeFileSync(path, '{"a":1}\n{"a":\n{"a":3}\n');
    await assert.rejects(readJournal(path), (err: unknown) => {
      assert.ok(err instanceof NeurolensError);
      assert.equal(err.kind, 'input');
      assert.ok(err.message.includes(path));
      assert.ok(err.message.includes('line 2'));
      return true;
    });
    await assert.rejects(recoverJournal(path), NeurolensError);
  });
});
