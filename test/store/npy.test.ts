import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NeurolensError } from '../../src/errors.js';
import {
  NpyReader,
  NpyRowWriter,
  concatNpy,
  npyHeader,
  readNpy,
  readNpyHeader,
  readNpyRows,
  writeNpy,
} from '../../src/store/npy.js';

const dir = mkdtempSync(join(tmpdir(), 'neurolens-npy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Magic, version 1.0, then the uint16 LE header length. */
function prefix(headerLength: number): string {
  return `\x93NUMPY\x01\x00${String.fromCharCode(headerLength & 0xff, headerLength >> 8)}`;
}

function range(n: number, f: (i: number) => number): number[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

describe('npyHeader', () => {
  // Expected bytes written out by hand from the format spec: the dict (lengths counted by hand),
  // spaces up to a total of 128 bytes, then '\n'. 10 + 59 + 58 + 1 = 128, and so on.
  const cases: [string, Parameters<typeof npyHeader>, string, number][] = [
    ['float32 2-D', ['float32', [3, 4]], "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 58],
    ['uint8 1-tuple', ['uint8', [5]], "{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }", 60],
    ['float64 scalar', ['float64', []], "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 62],
    ['int64 large', ['int64', [100000, 512]], "{'descr': '<i8', 'fortran_order': False, 'shape': (100000, 512), }", 51],
    ['int32 empty', ['int32', [0, 7]], "{'descr': '<i4', 'fortran_order': False, 'shape': (0, 7), }", 58],
  ];
  for (const [name, args, dict, spaces] of cases) {
    it(name, () => {
      const header = npyHeader(...args);
      const text = dict + ' '.repeat(spaces) + '\n';
      assert.equal(header.length, 128);
      assert.equal(header.length % 64, 0);
      assert.equal(header.toString('latin1'), prefix(text.length) + text);
    });
  }

  it('grows to the next multiple of 64 for long shapes', () => {
    const header = npyHeader('float32', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    assert.equal(header.length % 64, 0);
    assert.equal(header.length, 192);
    assert.equal(header[header.length - 1], 0x0a);
    assert.match(header.toString('latin1'), /'shape': \(1, 2, 3, .*, 20\), \} +\n$/);
  });
});

describe('writeNpy / readNpy', () => {
  it('round-trips every dtype', async () => {
    const arrays = [
      { data: new Float32Array([1.5, -2, 3.25, 0, Number.MAX_VALUE, -0.1]), shape: [2, 3] },
      { data: new Float64Array([Math.PI, -1e300, 5e-324]), shape: [3] },
      { data: new Int32Array([-2147483648, 0, 2147483647, 7]), shape: [4, 1] },
      { data: new BigInt64Array([-(2n ** 63n), 0n, 2n ** 63n - 1n]), shape: [3] },
      { data: new Uint8Array([0, 1, 255, 128, 7, 9]), shape: [3, 2] },
    ];
    for (const [i, { data, shape }] of arrays.entries()) {
      const path = join(dir, `rt${i}.npy`);
      await writeNpy(path, data, shape);
      const back = await readNpy(path);
      assert.deepEqual(back.shape, shape);
      assert.deepEqual(back.data, data);
      assert.equal(readFileSync(path).length, 128 + data.byteLength);
    }
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
  });

  it('rejects data that does not fill the shape', async () => {
    await assert.rejects(writeNpy(join(dir, 'bad.npy'), new Float32Array(5), [2, 3]), RangeError);
  });

  it('reports truncated and non-npy files as input errors', async () => {
    const path = join(dir, 'trunc.npy');
    await writeNpy(path, new Float32Array(6), [2, 3]);
    writeFileSync(path, readFileSync(path).subarray(0, 128 + 20));
    await assert.rejects(readNpy(path), (err: unknown) => err instanceof NeurolensError && err.kind === 'input' && err.message.includes('truncated'));
    await assert.rejects(readNpyRows(path, 0, 1), (err: unknown) => err instanceof NeurolensError && err.message.includes(path));
    const junk = join(dir, 'junk.npy');
    writeFileSync(junk, 'not a numpy file at all');
    await assert.rejects(readNpy(junk), (err: unknown) => err instanceof NeurolensError && err.message.includes('magic'));
  });

  it('reads headers written by other tools (version 2.0, extra spaces)', async () => {
    const dict = "{'descr':'<f4','fortran_order':False,'shape':(2,),}";
    const text = dict + ' '.repeat(64 - 12 - dict.length - 1) + '\n';
    const head = Buffer.alloc(12);
    Buffer.from('\x93NUMPY\x02\x00', 'latin1').copy(head);
    head.writeUInt32LE(text.length, 8);
    const path = join(dir, 'v2.npy');
    writeFileSync(path, Buffer.concat([head, Buffer.from(text, 'latin1'), Buffer.from(new Float32Array([1, 2]).buffer)]));
    const back = await readNpy(path);
    assert.deepEqual(back.shape, [2]);
    assert.deepEqual(Array.from(back.data as Float32Array), [1, 2]);
  });

  it('refuses dtypes and layouts it cannot read, naming the file', async () => {
    const withDict = (dict: string) => {
      const text = dict + ' '.repeat(128 - 10 - dict.length - 1) + '\n';
      return Buffer.concat([Buffer.from(prefix(text.length) + text, 'latin1'), Buffer.alloc(16)]);
    };
    const complex = join(dir, 'complex.npy');
    writeFileSync(complex, withDict("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }"));
    await assert.rejects(readNpy(complex), (err: unknown) => err instanceof NeurolensError && err.message.includes(`${complex} holds dtype '<c8'`));
    const fortran = join(dir, 'fortran.npy');
    writeFileSync(fortran, withDict("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }"));
    await assert.rejects(readNpy(fortran), (err: unknown) => err instanceof NeurolensError && err.message.includes('fortran_order True'));
  });
});

describe('NpyRowWriter', () => {
  it('streams rows and publishes the file only on close', async () => {
    const path = join(dir, 'stream.npy');
    const writer = await NpyRowWriter.open(path, 'float32', [5, 3]);
    await writer.append(new Float32Array(range(6, (i) => i)));
    await writer.append(new Float32Array(range(9, (i) => 6 + i)));
    assert.equal(writer.rowsWritten, 5);
    assert.equal(readdirSync(dir).includes('stream.npy'), false);
    await writer.close();
    const back = await readNpy(path);
    assert.deepEqual(back.shape, [5, 3]);
    assert.deepEqual(Array.from(back.data as Float32Array), range(15, (i) => i));
  });

  it('refuses to close with the wrong row count, and abort leaves nothing', async () => {
    const path = join(dir, 'short.npy');
    const writer = await NpyRowWriter.open(path, 'float32', [4, 2]);
    await writer.append(new Float32Array(4));
    await assert.rejects(writer.close(), /got 2 rows, declared 4/);
    await writer.abort();
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('short.npy')), []);
  });

  it('rejects partial rows, too many rows and the wrong dtype', async () => {
    const writer = await NpyRowWriter.open(join(dir, 'strict.npy'), 'float32', [2, 3]);
    await assert.rejects(writer.append(new Float32Array(4)), /not whole rows/);
    await assert.rejects(writer.append(new Float32Array(9)), /exceed the declared 2/);
    await assert.rejects(writer.append(new Float64Array(3) as never), TypeError);
    await writer.abort();
  });
});

describe('row ranges and concatenation', () => {
  const rows = 1000;
  const cols = 7;
  const all = new Float32Array(range(rows * cols, (i) => i * 0.5 - 100));

  it('readNpyRows reads any range, including empty and last rows', async () => {
    const path = join(dir, 'big.npy');
    await writeNpy(path, all, [rows, cols]);
    for (const [start, count] of [[0, 1], [13, 100], [999, 1], [0, 1000], [500, 0]]) {
      const got = await readNpyRows(path, start, count);
      assert.deepEqual(got.shape, [count, cols]);
      assert.deepEqual(got.data, all.slice(start * cols, (start + count) * cols));
    }
    await assert.rejects(readNpyRows(path, 990, 11), RangeError);
    const reader = await NpyReader.open(path);
    assert.equal(reader.rows, rows);
    assert.deepEqual(await reader.readRows(2, 2), all.slice(14, 28));
    await reader.close();
    assert.deepEqual(await readNpyHeader(path), { dtype: 'float32', shape: [rows, cols], fortranOrder: false, dataOffset: 128 });
  });

  it('concatNpy joins row chunks into one file, byte-identical to writing it at once', async () => {
    const parts: string[] = [];
    for (const [i, [start, end]] of [[0, 333], [333, 334], [334, 334], [334, 1000]].entries()) {
      const part = join(dir, `part${i}.npy`);
      await writeNpy(part, all.slice(start * cols, end * cols), [end - start, cols]);
      parts.push(part);
    }
    const joined = join(dir, 'joined.npy');
    const header = await concatNpy(parts, joined);
    assert.deepEqual(header.shape, [rows, cols]);
    const whole = join(dir, 'whole.npy');
    await writeNpy(whole, all, [rows, cols]);
    assert.deepEqual(readFileSync(joined), readFileSync(whole));
  });

  it('concatNpy refuses parts that do not match', async () => {
    const a = join(dir, 'ma.npy');
    const b = join(dir, 'mb.npy');
    await writeNpy(a, new Float32Array(6), [2, 3]);
    await writeNpy(b, new Float32Array(8), [2, 4]);
    await assert.rejects(concatNpy([a, b], join(dir, 'mab.npy')), (err: unknown) => err instanceof NeurolensError && err.message.includes('mab.npy'));
    assert.equal(readdirSync(dir).some((n) => n.startsWith('mab.npy')), false);
  });
});

describe('numpy interop', () => {
  const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  it('numpy.load(mmap_mode="r") reads what we write', async (t) => {
    if (numpy.error || numpy.status !== 0) {
      t.skip('python3 with numpy is not available; the pure-TS checks above stand alone');
      return;
    }
    const f32 = new Float32Array(range(12, (i) => i / 3 - 1));
    const files = {
      f32: [f32, [4, 3]],
      f64: [new Float64Array([0.1, -2.5e200]), [2]],
      i32: [new Int32Array([-5, 6, 2147483647]), [3, 1]],
      i64: [new BigInt64Array([-(2n ** 40n), 9n]), [2]],
      u8: [new Uint8Array([0, 200, 255]), [3]],
      empty: [new Float32Array(0), [0, 5]],
    } as const;
    for (const [name, [data, shape]] of Object.entries(files)) await writeNpy(join(dir, `np_${name}.npy`), data, shape);
    const script = [
      'import json, sys, numpy as np',
      'out = {}',
      `for name in ${JSON.stringify(Object.keys(files))}:`,
      `    a = np.load(sys.argv[1] + '/np_' + name + '.npy', mmap_mode='r')`,
      '    out[name] = [a.dtype.str, list(a.shape), [str(v) for v in np.asarray(a).ravel().tolist()]]',
      'print(json.dumps(out))',
    ].join('\n');
    const run = spawnSync('python3', ['-c', script, dir], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout) as Record<string, [string, number[], string[]]>;
    assert.deepEqual(out.f32[0], '<f4');
    assert.deepEqual(out.f32[1], [4, 3]);
    // numpy's tolist() widens float32 to a Python float, which prints like a JS double.
    assert.deepEqual(out.f32[2], Array.from(f32, (v) => String(v).replace(/^(-?\d+)$/, '$1.0')));
    assert.deepEqual(out.f64, ['<f8', [2], ['0.1', '-2.5e+200']]);
    assert.deepEqual(out.i32, ['<i4', [3, 1], ['-5', '6', '2147483647']]);
    assert.deepEqual(out.i64, ['<i8', [2], [String(-(2n ** 40n)), '9']]);
    assert.deepEqual(out.u8, ['|u1', [3], ['0', '200', '255']]);
    assert.deepEqual(out.empty, ['<f4', [0, 5], []]);
  });
});
