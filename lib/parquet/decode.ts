// Decoding one row group with parquet-wasm into an Arrow table.
import { type Table, tableFromIPC } from 'apache-arrow';
import { initSync, readParquet, wasmMemory } from 'parquet-wasm/esm/parquet_wasm.js';
import { type ParquetFooter, ParquetFormatError, type RangeSource, rowGroupFile, schemaFile } from './footer.ts';

let initialised = false;

/**
 * Instantiates parquet-wasm once. NOTE: in workerd the module must be imported as a compiled
 * WebAssembly.Module and passed to initSync; the fetch-based init() is not allowed.
 */
export function initParquetWasm(module: WebAssembly.Module): void {
  if (initialised) return;
  initSync({ module });
  initialised = true;
}

export function parquetWasmReady(): boolean {
  return initialised;
}

/** Size of parquet-wasm's linear memory: it grows to the largest row group decoded and never shrinks. */
export function wasmBytes(): number {
  return initialised ? wasmMemory().buffer.byteLength : 0;
}

/**
 * Reads row group `index` (one range read) and decodes it; null for an empty row group. Throws ParquetFormatError for data the decoder
 * rejects; the synchronous reader turns decoder panics into catchable errors.
 */
export async function readRowGroup(
  source: RangeSource,
  footer: ParquetFooter,
  index: number,
): Promise<{ table: Table | null; bytes: number }> {
  if (!initialised) throw new Error('parquet-wasm is not initialised');
  const info = footer.rowGroups[index];
  if (!info) throw new Error(`no row group ${index}`);
  if (info.numRows === 0) return { table: null, bytes: 0 };
  const chunk = await source.read(info.start, info.end - info.start);
  const file = rowGroupFile(footer, index, chunk);
  try {
    // One Arrow batch per row group (the default is 1024 rows a batch).
    const wasmTable = readParquet(file, { batchSize: Math.max(1, info.numRows) });
    const ipc = wasmTable.intoIPCStream();
    // The file bytes are garbage once decoded; the Arrow table lives on in `ipc`.
    return { table: tableFromIPC(ipc), bytes: ipc.length };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ParquetFormatError(`row group ${index} cannot be decoded: ${message.replace(/^Parquet error: /, '')}`);
  }
}

/** The file's columns as an empty Arrow table (works for files with no rows too). */
export function readSchema(footer: ParquetFooter): Table {
  if (!initialised) throw new Error('parquet-wasm is not initialised');
  try {
    return tableFromIPC(readParquet(schemaFile(footer)).intoIPCStream());
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ParquetFormatError(`the schema cannot be read: ${message.replace(/^Parquet error: /, '')}`);
  }
}
