import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NeurolensError } from '../../src/errors.js';
import { loadCaptions } from '../../src/text/captions-file.js';

const dir = mkdtempSync(join(tmpdir(), 'neurolens-captions-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function file(name: string, text: string): string {
  counter += 1;
  const path = join(dir, `${counter}-${name}`);
  writeFileSync(path, text);
  return path;
}

const run = (...paths: string[]) => paths.map((path, i) => ({ path, sha256: `sha${i}` }));

function inputError(pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof NeurolensError, String(err));
    assert.equal(err.kind, 'input');
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  };
}

describe('loadCaptions: JSONL', () => {
  it('aligns captions with the run order, with BOM, CRLF, blank lines and extra fields', async () => {
    const f = file('c.jsonl',
      '\uFEFF{"path":"b.png","caption":"a blue sky","score":0.9}\r\n\r\n{"path": "a.png", "caption": "a red car"}\r\n');
    const loaded = await loadCaptions(f, run('a.png', 'b.png'));
    assert.equal(loaded.format, 'jsonl');
    assert.deepEqual(loaded.captions, ['a red car', 'a blue sky']);
    assert.deepEqual(loaded.kept, [0, 1]);
    assert.deepEqual(loaded.missing, []);
    assert.deepEqual(loaded.unknown, []);
    assert.deepEqual(loaded.warnings, []);
  });

  it('names the line of invalid JSON or a record without path/caption strings', async () => {
    await assert.rejects(loadCaptions(file('bad.jsonl', '{"path":"a.png","caption":"x"}\n{"path":\n'), run('a.png')),
      inputError(/bad\.jsonl line 2 is not valid JSON/));
    await assert.rejects(loadCaptions(file('bad.jsonl', '{"path":"a.png","text":"x"}\n'), run('a.png')),
      inputError(/bad\.jsonl line 1 needs a string "path" and a string "caption"/));
    await assert.rejects(loadCaptions(file('bad.jsonl', '["a.png","x"]\n'), run('a.png')), inputError(/line 1 needs/));
  });

  it('chooses JSONL by content when the extension says nothing', async () => {
    const loaded = await loadCaptions(file('c.txt', '  {"path":"a.png","caption":"x"}\n'), run('a.png'));
    assert.equal(loaded.format, 'jsonl');
  });
});

describe('loadCaptions: CSV', () => {
  it('reads quoted captions with commas, quotes and line breaks; BOM and CRLF; any column order', async () => {
    const f = file('c.csv',
      '\uFEFFid, Caption ,PATH\r\n' +
      '1,"a dog, a cat",cats/1.png\r\n' +
      '2,"a ""quoted"" word",cats/2.png\r\n' +
      '3,"first line\r\nsecond   line",dogs/3.png\r\n');
    const loaded = await loadCaptions(f, run('dogs/3.png', 'cats/1.png', 'cats/2.png'));
    assert.equal(loaded.format, 'csv');
    assert.deepEqual(loaded.captions, ['first line second line', 'a dog, a cat', 'a "quoted" word']);
    assert.deepEqual(loaded.kept, [0, 1, 2]);
  });

  it('needs path and caption columns, and rows long enough to hold them', async () => {
    await assert.rejects(loadCaptions(file('c.csv', 'file,text\na.png,x\n'), run('a.png')),
      inputError(/c\.csv has no 'path' or 'caption' column in its header/));
    await assert.rejects(loadCaptions(file('c.csv', 'path,caption\na.png,x\nb.png\n'), run('a.png', 'b.png')),
      inputError(/c\.csv line 3 has 1 field\(s\) but the path and caption columns need 2/));
  });

  it('an empty file is an error', async () => {
    await assert.rejects(loadCaptions(file('c.csv', 'path,caption\r\n'), run('a.png')), inputError(/holds no captions/));
  });
});

describe('loadCaptions: matching and policies', () => {
  it('missing captions: the count, the first paths and the --allow-missing hint', async () => {
    const f = file('c.jsonl', '{"path":"a.png","caption":"x"}\n');
    const images = run('a.png', 'b.png', 'c.png', 'd.png', 'e.png');
    await assert.rejects(loadCaptions(f, images), (err: unknown) => {
      assert.ok(err instanceof NeurolensError);
      assert.equal(err.message,
        `${f} has no caption for 4 of 5 image(s) ('b.png', 'c.png', 'd.png', …); add captions for them ` +
        '(paths relative to the image root, as in images.parquet) or pass --allow-missing to leave them out');
      return true;
    });
  });

  it('allowMissing drops uncaptioned images and reports which were kept', async () => {
    const f = file('c.jsonl', '{"path":"b.png","caption":"bee"}\n{"path":"d.png","caption":"dee"}\n{"path":"c.png","caption":"  "}\n');
    const loaded = await loadCaptions(f, run('a.png', 'b.png', 'c.png', 'd.png'), { allowMissing: true });
    assert.deepEqual(loaded.captions, ['bee', 'dee']);
    assert.deepEqual(loaded.kept, [1, 3]);
    assert.deepEqual(loaded.missing, ['a.png', 'c.png']);
    assert.equal(loaded.blank, 1);
    assert.deepEqual(loaded.warnings, [
      `${f}: leaving out 2 image(s) without a caption (--allow-missing)`,
      `${f}: 1 record(s) with an empty caption are ignored`,
    ]);
    await assert.rejects(loadCaptions(f, run('x.png'), { allowMissing: true }), inputError(/captions none of the run's images/));
  });

  it('unknown paths are a warning, not an error', async () => {
    const f = file('c.csv', 'path,caption\na.png,x\nzzz.png,y\nq/r.png,z\n');
    const loaded = await loadCaptions(f, run('a.png'));
    assert.deepEqual(loaded.captions, ['x']);
    assert.deepEqual(loaded.unknown, ['zzz.png', 'q/r.png']);
    assert.equal(loaded.warnings.length, 1);
    assert.match(loaded.warnings[0]!, /2 caption\(s\) name images that are not in the run \('zzz\.png', 'q\/r\.png'\); they are ignored/);
  });

  it('a repeat with the same caption is fine; a different caption is an error naming both lines', async () => {
    const same = await loadCaptions(file('c.csv', 'path,caption\na.png,red car\na.png,"red  car"\n'), run('a.png'));
    assert.deepEqual(same.captions, ['red car']);
    assert.equal(same.duplicates, 1);
    const f = file('c.csv', 'path,caption\na.png,red car\nb.png,sky\n./a.png,blue car\n');
    await assert.rejects(loadCaptions(f, run('a.png', 'b.png')),
      inputError(/gives 'a\.png' two different captions \(lines 2 and 4\); keep one caption per image/));
    const first = await loadCaptions(f, run('a.png', 'b.png'), { onDuplicate: 'first' });
    assert.deepEqual(first.captions, ['red car', 'sky']);
    assert.equal(first.duplicates, 1);
  });

  it('matches paths after ./ and \\ normalisation, trimming and Unicode NFC', async () => {
    const nfd = 'cafe\u0301.png'; // e + combining acute, as macOS names files
    const f = file('c.jsonl', [
      '{"path":"./x/a.png","caption":"one"}',
      '{"path":"x\\\\b.png","caption":"two"}',
      `{"path":" caf\u00e9.png ","caption":"three"}`,
    ].join('\n'));
    const loaded = await loadCaptions(f, run('x/a.png', 'x/b.png', nfd));
    assert.deepEqual(loaded.captions, ['one', 'two', 'three']);
  });

  it('a missing captions file says so', async () => {
    await assert.rejects(loadCaptions(join(dir, 'nope.jsonl'), run('a.png')), inputError(/captions file .*nope\.jsonl does not exist/));
  });
});
