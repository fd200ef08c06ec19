import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NeurolensError } from '../../src/errors.js';
import { parseCsv } from '../../src/text/csv.js';

const rows = (text: string) => parseCsv(text, 'c.csv').map((r) => r.fields);

describe('parseCsv (RFC 4180)', () => {
  it('splits plain fields and records on LF, CRLF and lone CR', () => {
    assert.deepEqual(rows('a,b\n1,2\r\n3,4\r5,6'), [['a', 'b'], ['1', '2'], ['3', '4'], ['5', '6']]);
  });

  it('keeps empty fields, a trailing comma, and no record for a final line break', () => {
    assert.deepEqual(rows('a,,c,\n'), [['a', '', 'c', '']]);
    assert.deepEqual(rows(',\r\n'), [['', '']]);
    assert.deepEqual(rows(''), []);
  });

  it('quoted fields hold commas, doubled quotes and line breaks', () => {
    const text = 'path,caption\r\n"a.png","a dog, a cat"\r\nb.png,"she said ""hi"""\r\n"c.png","two\r\nlines\nhere"\r\n';
    const parsed = parseCsv(text, 'c.csv');
    assert.deepEqual(parsed.map((r) => r.fields), [
      ['path', 'caption'],
      ['a.png', 'a dog, a cat'],
      ['b.png', 'she said "hi"'],
      ['c.png', 'two\r\nlines\nhere'],
    ]);
    assert.deepEqual(parsed.map((r) => r.line), [1, 2, 3, 4]);
    assert.deepEqual(rows('"",x'), [['', 'x']]);
  });

  it('counts lines inside quoted fields for the line numbers of later records', () => {
    const parsed = parseCsv('h\n"a\nb\nc"\nd\n', 'c.csv');
    assert.deepEqual(parsed.map((r) => [r.fields[0], r.line]), [['h', 1], ['a\nb\nc', 2], ['d', 5]]);
  });

  it('keeps a quote inside an unquoted field literally', () => {
    assert.deepEqual(rows('5" disk,x'), [['5" disk', 'x']]);
  });

  it('an unclosed quote names the line it starts on', () => {
    assert.throws(() => parseCsv('path,caption\na.png,"never closed\nmore', 'c.csv'), (err: unknown) => {
      assert.ok(err instanceof NeurolensError);
      assert.equal(err.kind, 'input');
      assert.match(err.message, /^c\.csv: the quoted field that starts on line 2 is never closed/);
      return true;
    });
  });

  it('text after a closing quote is an error naming the line', () => {
    assert.throws(() => parseCsv('a\n"x"y,z', 'c.csv'), /c\.csv line 2: text follows a closing quote/);
  });
});
