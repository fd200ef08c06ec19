import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { PARQUET_CREATED_BY, parquetTableBytes, writeParquetTable, type ParquetColumn } from '../../src/store/parquet.js';

const dir = mkdtempSync(join(tmpdir(), 'neurolens-parquet-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function table(): ParquetColumn[] {
  return [
    { name: 'index', type: 'int32', data: [0, 1, 2] },
    { name: 'path', type: 'string', data: ['cats/a.jpg', 'dogs/b ü.png', ''] },
    { name: 'bytes', type: 'int64', data: [12345678901, 0, 2n ** 40n] },
    { name: 'label', type: 'int32', data: new Int32Array([3, -1, 7]) },
    { name: 'loss', type: 'double', data: new Float64Array([0.125, -1e-300, Math.PI]) },
    { name: 'top5_class', type: 'list<int32>', data: [[5, 4, 3, 2, 1], [9], []] },
    { name: 'top5_score', type: 'list<double>', data: [new Float32Array([0.5, 0.25]), [1], []] },
  ];
}

async function readBack(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return parquetReadObjects({ file });
}

describe('writeParquetTable', () => {
  it('round-trips every column type', async () => {
    const path = join(dir, 'images.parquet');
    await writeParquetTable(path, table());
    const rows = await readBack(readFileSync(path));
    assert.deepEqual(rows, [
      { index: 0, path: 'cats/a.jpg', bytes: 12345678901n, label: 3, loss: 0.125, top5_class: [5, 4, 3, 2, 1], top5_score: [0.5, 0.25] },
      { index: 1, path: 'dogs/b ü.png', bytes: 0n, label: -1, loss: -1e-300, top5_class: [9], top5_score: [1] },
      { index: 2, path: '', bytes: 2n ** 40n, label: 7, loss: Math.PI, top5_class: [], top5_score: [] },
    ]);
    assert.deepEqual(readdirSync(dir), ['images.parquet']);
  });

  it('is deterministic: same rows, same bytes, no timestamp', async () => {
    const a = parquetTableBytes(table());
    await new Promise((resolve) => setTimeout(resolve, 20));
    const b = parquetTableBytes(table());
    assert.deepEqual(Buffer.from(a), Buffer.from(b));
    const meta = parquetMetadata(a.buffer as ArrayBuffer);
    assert.equal(meta.created_by, PARQUET_CREATED_BY);
    assert.equal(meta.key_value_metadata, undefined);
    assert.equal(meta.num_rows, 3n);
    assert.deepEqual(meta.schema.filter((e) => e.type).map((e) => [e.name, e.type, e.repetition_type]), [
      ['index', 'INT32', 'REQUIRED'],
      ['path', 'BYTE_ARRAY', 'REQUIRED'],
      ['bytes', 'INT64', 'REQUIRED'],
      ['label', 'INT32', 'REQUIRED'],
      ['loss', 'DOUBLE', 'REQUIRED'],
      ['element', 'INT32', 'REQUIRED'],
      ['element', 'DOUBLE', 'REQUIRED'],
    ]);
  });

  it('writes an empty table', async () => {
    const rows = await readBack(parquetTableBytes([{ name: 'index', type: 'int32', data: [] }, { name: 'path', type: 'string', data: [] }]));
    assert.deepEqual(rows, []);
  });

  it('rejects ragged columns, duplicate names and out-of-range integers', () => {
    assert.throws(() => parquetTableBytes([{ name: 'a', type: 'int32', data: [1] }, { name: 'b', type: 'int32', data: [] }]), /has 0 rows/);
    assert.throws(() => parquetTableBytes([{ name: 'a', type: 'int32', data: [1] }, { name: 'a', type: 'double', data: [1] }]), /duplicate/);
    assert.throws(() => parquetTableBytes([{ name: 'a', type: 'int32', data: [2 ** 31] }]), /not an integer in range/);
    assert.throws(() => parquetTableBytes([{ name: 'a', type: 'int64', data: [0.5] }]), /not an integer in range/);
  });
});
