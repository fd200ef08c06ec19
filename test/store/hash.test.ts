import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256, sha256File } from '../../src/store/hash.js';

const dir = mkdtempSync(join(tmpdir(), 'neurolens-hash-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('sha256', () => {
  it('matches the published test vectors', () => {
    assert.equal(sha256(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(sha256('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(sha256(new Uint8Array([0x61, 0x62, 0x63])), sha256('abc'));
  });

  it('hashes files in a stream, equal to hashing their bytes', async () => {
    const bytes = new Uint8Array(3 * (1 << 20) + 17).map((_, i) => (i * 31) & 0xff);
    const path = join(dir, 'blob.bin');
    writeFileSync(path, bytes);
    assert.equal(await sha256File(path), sha256(bytes));
  });
});
