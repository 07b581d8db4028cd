// Writing a small Parquet file with parquet-wasm from typed columns (built as Arrow, handed over as IPC).
import {
  Bool,
  type DataType,
  Float64,
  Int32,
  makeData,
  makeVector,
  Table,
  TimestampMicrosecond,
  tableToIPC,
  Utf8,
  type Vector,
  vectorFromArray,
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

function vector(column: ParquetColumn): Vector {
  switch (column.type) {
    case 'utf8':
      return vectorFromArray([...column.values], new Utf8() as DataType) as Vector;
    case 'int32':
      return vectorFromArray([...column.values], new Int32() as DataType) as Vector;
    case 'float64':
      return vectorFromArray([...column.values], new Float64() as DataType) as Vector;
    case 'bool':
      return vectorFromArray([...column.values], new Bool() as DataType) as Vector;
    case 'timestamp_us_utc': {
      const type = new TimestampMicrosecond('UTC');
      return makeVector(makeData({ type, length: column.values.length, data: BigInt64Array.from(column.values) }));
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
