import { parquetWriteBuffer, type ColumnSource, type SchemaElement } from 'hyparquet-writer';
import { writeFileAtomic } from './atomic.js';

/**
 * Parquet tables (the per-image table of a run), written with hyparquet-writer from an explicit
 * schema. Every column is REQUIRED (no nulls). List columns use the standard three-level layout
 * from the Parquet LogicalTypes spec — `<name> (LIST) { repeated group list { required element } }`
 * — which pandas/pyarrow read as Python lists. The file holds no timestamp: the writer's
 * `created_by` is fixed, so the same rows always give the same bytes.
 */

/** Column kinds. `int64` takes numbers (safe integers) or bigints; lists take one array per row. */
export type ParquetColumn =
  | { name: string; type: 'int32'; data: ArrayLike<number> }
  | { name: string; type: 'int64'; data: ArrayLike<number | bigint> }
  | { name: string; type: 'double'; data: ArrayLike<number> }
  | { name: string; type: 'string'; data: ArrayLike<string> }
  | { name: string; type: 'list<int32>'; data: ArrayLike<ArrayLike<number>> }
  | { name: string; type: 'list<double>'; data: ArrayLike<ArrayLike<number>> };

/** The `created_by` string stored in every file; constant so output is reproducible. */
export const PARQUET_CREATED_BY = 'neurolens';

function leafType(type: ParquetColumn['type']): 'INT32' | 'INT64' | 'DOUBLE' | 'BYTE_ARRAY' {
  switch (type) {
    case 'int32':
    case 'list<int32>':
      return 'INT32';
    case 'int64':
      return 'INT64';
    case 'double':
    case 'list<double>':
      return 'DOUBLE';
    case 'string':
      return 'BYTE_ARRAY';
  }
}

function schemaFor(column: ParquetColumn): SchemaElement[] {
  const { name, type } = column;
  if (type === 'list<int32>' || type === 'list<double>') {
    return [
      { name, repetition_type: 'REQUIRED', converted_type: 'LIST', logical_type: { type: 'LIST' }, num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: leafType(type), repetition_type: 'REQUIRED' },
    ];
  }
  if (type === 'string') {
    return [{ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: 'REQUIRED' }];
  }
  return [{ name, type: leafType(type), repetition_type: 'REQUIRED' }];
}

function checkInt(value: number, column: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`parquet: column ${column} holds ${value}, not an integer in range`);
  }
  return value;
}

/** Converts a column's values to what hyparquet-writer encodes (plain arrays, bigints for INT64). */
function columnData(column: ParquetColumn): ColumnSource {
  const { name } = column;
  switch (column.type) {
    case 'int32':
      return { name, data: Int32Array.from(column.data, (v) => checkInt(v, name, -0x80000000, 0x7fffffff)) };
    case 'int64':
      return {
        name,
        data: BigInt64Array.from(column.data, (v) =>
          typeof v === 'bigint' ? v : BigInt(checkInt(v, name, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER))),
      };
    case 'double':
      return { name, data: Float64Array.from(column.data) };
    case 'string':
      return { name, data: Array.from(column.data) };
    case 'list<int32>':
      return { name, data: Array.from(column.data, (row) => Array.from(row, (v) => checkInt(v, name, -0x80000000, 0x7fffffff))) };
    case 'list<double>':
      return { name, data: Array.from(column.data, (row) => Array.from(row)) };
  }
}

/** The Parquet file bytes for `columns` (all the same length), deterministic for equal input. */
export function parquetTableBytes(columns: readonly ParquetColumn[]): Uint8Array {
  if (columns.length === 0) throw new RangeError('parquet: a table needs at least one column');
  const rows = columns[0].data.length;
  const names = new Set<string>();
  for (const column of columns) {
    if (column.data.length !== rows) {
      throw new RangeError(`parquet: column ${column.name} has ${column.data.length} rows, ${columns[0].name} has ${rows}`);
    }
    if (names.has(column.name)) throw new RangeError(`parquet: duplicate column ${column.name}`);
    names.add(column.name);
  }
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }, ...columns.flatMap(schemaFor)];
  const buffer = parquetWriteBuffer({
    schema,
    columnData: columns.map(columnData),
    createdBy: PARQUET_CREATED_BY,
    codec: 'SNAPPY',
    // One row group: image tables are small (tens of bytes per row), and a single group keeps
    // the layout independent of the writer's default group sizes.
    rowGroupSize: Math.max(1, rows),
  });
  return new Uint8Array(buffer);
}

/** Atomically writes a Parquet table to `path` (see the module comment for the layout). */
export async function writeParquetTable(path: string, columns: readonly ParquetColumn[]): Promise<void> {
  await writeFileAtomic(path, parquetTableBytes(columns));
}
