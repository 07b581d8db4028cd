// Writing a small Parquet file with parquet-wasm from typed columns (built as Arrow, handed over as IPC).
import {
  Bool,
  Float64,
  Int32,
  makeData,
  makeVector,
  Table,
  TimestampMicrosecond,
  tableToIPC,
  Utf8,
  type Vector,
} from 'apache-arrow';
import {
  Compression,
  Table as WasmTable,
  WriterPropertiesBuilder,
  writeParquet,
} from 'parquet-wasm/esm/parquet_wasm.js';
import { parquetWasmReady } from './decode.ts';

/** One column: text, numbers and booleans may hold nulls; timestamps are microseconds since the epoch, UTC. */
export type ParquetColumn =
  | { readonly name: string; readonly type: 'utf8'; readonly values: readonly (string | null)[] }
  | { readonly name: string; readonly type: 'int32'; readonly values: readonly (number | null)[] }
  | { readonly name: string; readonly type: 'float64'; readonly values: readonly (number | null)[] }
  | { readonly name: string; readonly type: 'bool'; readonly values: readonly (boolean | null)[] }
  | { readonly name: string; readonly type: 'timestamp_us_utc'; readonly values: readonly bigint[] };

/** The validity bitmap of `values` (bit i set when value i is not null), and how many are null. */
function validity(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  for (const [i, v] of values.entries()) {
    if (v === null) nullCount += 1;
    else nullBitmap[i >> 3] = (nullBitmap[i >> 3] as number) | (1 << (i & 7));
  }
  return { nullBitmap, nullCount };
}

// NOTE: built as Data, not with vectorFromArray: Arrow's builders compile their null check with
// `new Function`, which workerd refuses outside the test pool ("Code generation from strings disallowed").
function vector(column: ParquetColumn): Vector {
  const length = column.values.length;
  switch (column.type) {
    case 'utf8': {
      const encoder = new TextEncoder();
      const encoded = column.values.map((v) => (v === null ? new Uint8Array(0) : encoder.encode(v)));
      const valueOffsets = new Int32Array(length + 1);
      for (const [i, bytes] of encoded.entries()) valueOffsets[i + 1] = (valueOffsets[i] as number) + bytes.length;
      const data = new Uint8Array(valueOffsets[length] as number);
      for (const [i, bytes] of encoded.entries()) data.set(bytes, valueOffsets[i] as number);
      return makeVector(makeData({ type: new Utf8(), length, valueOffsets, data, ...validity(column.values) }));
    }
    case 'int32': {
      const data = Int32Array.from(column.values, (v) => v ?? 0);
      return makeVector(makeData({ type: new Int32(), length, data, ...validity(column.values) }));
    }
    case 'float64': {
      const data = Float64Array.from(column.values, (v) => v ?? 0);
      return makeVector(makeData({ type: new Float64(), length, data, ...validity(column.values) }));
    }
    case 'bool': {
      const data = new Uint8Array(Math.ceil(length / 8));
      for (const [i, v] of column.values.entries())
        if (v === true) data[i >> 3] = (data[i >> 3] as number) | (1 << (i & 7));
      return makeVector(makeData({ type: new Bool(), length, data, ...validity(column.values) }));
    }
    case 'timestamp_us_utc': {
      const type = new TimestampMicrosecond('UTC');
      return makeVector(makeData({ type, length, data: BigInt64Array.from(column.values) }));
    }
  }
}

/**
 * The columns as one Parquet file (Snappy, one row group per `rowGroupSize` rows) with `metadata` as its
 * key-value metadata. NOTE: parquet-wasm must be initialised first (initParquetWasm).
 */
export function writeParquetFile(
  columns: readonly ParquetColumn[],
  metadata: Readonly<Record<string, string>>,
  rowGroupSize = 100_000,
): Uint8Array {
  if (!parquetWasmReady()) throw new Error('parquet-wasm is not initialised (initParquetWasm)');
  const table = new Table(Object.fromEntries(columns.map((c) => [c.name, vector(c)])));
  const wasmTable = WasmTable.fromIPCStream(tableToIPC(table, 'stream'));
  const properties = new WriterPropertiesBuilder()
    .setCompression(Compression.SNAPPY)
    .setMaxRowGroupSize(rowGroupSize)
    .setKeyValueMetadata(new Map(Object.entries(metadata)))
    .build();
  return writeParquet(wasmTable, properties);
}
