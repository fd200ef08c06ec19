import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  isTempFile,
  removeTempFiles,
  stableJson,
  tempPathFor,
  writeFileAtomic,
  writeFileAtomicSync,
  writeJsonAtomic,
  writeJsonAtomicSync,
} from '../../src/store/atomic.js';

const dir = mkdtempSync(join(tmpdir(), 'neurolens-atomic-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('stableJson', () => {
  it('writes 2-space indented JSON in insertion order with a trailing newline', () => {
    const value = { zeta: 1, alpha: [1.5, -0, 1e21, 0.1 + 0.2], nested: { b: 'x', a: null }, empty: [], none: {} };
    assert.equal(
      stableJson(value),
      '{\n  "zeta": 1,\n  "alpha": [\n    1.5,\n    0,\n    1e+21,\n    0.30000000000000004\n  ],\n' +
        '  "nested": {\n    "b": "x",\n    "a": null\n  },\n  "empty": [],\n  "none": {}\n}\n',
    );
  });

  it('gives the same text for equal values built the same way', () => {
    const make = () => ({ layers: ['a', 'b'], images: 3, stats: new Float32Array([0.5, 0.25]) });
    assert.equal(stableJson(make()), stableJson(make()));
    assert.equal(stableJson(make()), '{\n  "layers": [\n    "a",\n    "b"\n  ],\n  "images": 3,\n  "stats": [\n    0.5,\n    0.25\n  ]\n}\n');
  });

  it('refuses values JSON cannot hold instead of writing null', () => {
    assert.throws(() => stableJson({ x: Number.NaN }), /NaN at key 'x'/);
    assert.throws(() => stableJson([Infinity]), /Infinity/);
    assert.throws(() => stableJson(undefined), /no JSON form/);
  });
});

describe('atomic writes', () => {
  it('writeJsonAtomic replaces the file and leaves no temp files', async () => {
    const path = join(dir, 'manifest.json');
    writeFileSync(path, 'old');
    await writeJsonAtomic(path, { run: 1 });
    assert.equal(readFileSync(path, 'utf8'), '{\n  "run": 1\n}\n');
    writeJsonAtomicSync(path, { run: 2 });
    assert.equal(readFileSync(path, 'utf8'), '{\n  "run": 2\n}\n');
    await writeFileAtomic(join(dir, 'bytes.bin'), new Uint8Array([1, 2, 3]));
    writeFileAtomicSync(join(dir, 'text.txt'), 'héllo');
    assert.deepEqual([...readFileSync(join(dir, 'bytes.bin'))], [1, 2, 3]);
    assert.equal(readFileSync(join(dir, 'text.txt'), 'utf8'), 'héllo');
    assert.deepEqual(readdirSync(dir).filter(isTempFile), []);
  });

  it('removeTempFiles cleans what a killed write left behind', async () => {
    const sub = mkdtempSync(join(dir, 'sub-'));
    const stale = tempPathFor(join(sub, 'acts.npy'));
    writeFileSync(stale, 'partial');
    writeFileSync(join(sub, 'keep.tmp.json'), '{}');
    assert.equal(isTempFile(stale), true);
    assert.deepEqual(await removeTempFiles(sub), [stale.slice(sub.length + 1)]);
    assert.deepEqual(readdirSync(sub), ['keep.tmp.json']);
  });

  it('a write into a missing folder fails with the plain ENOENT', async () => {
    const path = join(dir, 'nodir', 'x.json');
    await assert.rejects(writeJsonAtomic(path, { a: 1 }), { code: 'ENOENT' });
  });
});
