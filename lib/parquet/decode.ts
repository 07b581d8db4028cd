// Decoding one row group with parquet-wasm into an Arrow table.
import type { Data, Field, Table, Vector } from 'apache-arrow';
import { tableFromIPC } from 'apache-arrow';
import { parseTable } from 'arrow-js-ffi';
import { initSync, readParquet, wasmMemory } from 'parquet-wasm/esm/parquet_wasm.js';
import { columnsFile, rowGroupFile, schemaFile } from './cut.ts';
import { type ParquetFooter, ParquetFormatError, type RangeSource } from './footer.ts';
import { decodedColumnBytes } from './size-estimate.ts';

/** A row group's top-level columns, decoded into JavaScript memory. */
export interface DecodedRowGroup {
  readonly numRows: number;
  readonly fields: readonly Field[];
  readonly columns: readonly Vector[];
}

/**
 * Decoded bytes (estimated) of the columns decoded at once. parquet-wasm's memory grows to about 5 times what
 * it decodes in one call and never shrinks, so a row group is decoded a few columns at a time: its memory
 * then follows the largest such group (or single column), not the row group.
 */
export const DECODE_GROUP_BYTES = 2 * 1024 * 1024;

/** Consecutive top-level columns packed into groups of at most `limit` bytes (a larger column alone). */
export function decodeGroups(sizes: readonly number[], limit: number): number[][] {
  const groups: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  sizes.forEach((size, i) => {
    if (current.length > 0 && bytes + size > limit) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  });
  if (current.length > 0 || groups.length === 0) groups.push(current);
  return groups;
}

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
  {
    groupBytes = DECODE_GROUP_BYTES,
    check,
    decoding,
  }: {
    groupBytes?: number;
    /** Called with each top-level column's estimated decoded bytes before anything is decoded; may throw. */
    check?: (decodedBytes: readonly number[]) => void;
    /**
     * Called with the bytes decoded so far after each group of columns; may throw, and the rest of the row
     * group is then not decoded (the estimate `check` saw can be low).
     */
    decoding?: (decodedBytes: number) => void;
  } = {},
): Promise<{ group: DecodedRowGroup | null; bytes: number }> {
  if (!initialised) throw new Error('parquet-wasm is not initialised');
  const info = footer.rowGroups[index];
  if (!info) throw new Error(`no row group ${index}`);
  if (info.numRows === 0) return { group: null, bytes: 0 };
  const chunk = await source.read(info.start, info.end - info.start);
  const sizes = decodedColumnBytes(footer, index, chunk);
  if (sizes !== null) check?.(sizes);
  const groups = sizes === null ? [[]] : decodeGroups(sizes, groupBytes);
  const fields: Field[] = [];
  const columns: Vector[] = [];
  let bytes = 0;
  for (const group of groups) {
    const file = groups.length === 1 ? rowGroupFile(footer, index, chunk) : columnsFile(footer, index, chunk, group);
    const decoded = decodeFile(file, info.numRows, index);
    if (groups.length > 1 && decoded.table.numCols !== group.length) {
      throw new ParquetFormatError(
        `row group ${index} cannot be decoded: ${decoded.table.numCols} columns came back for ${group.length}`,
      );
    }
    if (decoded.table.numRows !== info.numRows) {
      throw new ParquetFormatError(
        `row group ${index} cannot be decoded: it holds ${decoded.table.numRows} rows where its footer says ${info.numRows}`,
      );
    }
    fields.push(...decoded.table.schema.fields);
    for (let i = 0; i < decoded.table.numCols; i++) columns.push(decoded.table.getChildAt(i) as Vector);
    bytes += decoded.bytes;
    decoding?.(bytes);
  }
  return { group: { numRows: info.numRows, fields, columns }, bytes };
}

/** A one-row-group file decoded into JavaScript memory, and the bytes that takes. */
function decodeFile(file: Uint8Array, numRows: number, index: number): { table: Table; bytes: number } {
  // One Arrow batch per row group (the default is 1024 rows a batch).
  const options = { batchSize: Math.max(1, numRows) };
  try {
    const direct = fromWasmMemory(readParquet(file, options));
    if (direct) return { table: direct, bytes: tableBytes(direct) };
    // The C data interface reader does not take this table: the IPC stream (one more copy) always works.
    const ipc = readParquet(file, options).intoIPCStream();
    return { table: tableFromIPC(ipc), bytes: ipc.length };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ParquetFormatError(`row group ${index} cannot be decoded: ${message.replace(/^Parquet error: /, '')}`);
  }
}

/**
 * Copies the decoded table out of wasm memory through the Arrow C data interface: half the time of
 * writing and reading an IPC stream. Null when a column has a type or layout that reader does not
 * handle as the IPC reader would (the caller falls back to IPC).
 */
function fromWasmMemory(wasmTable: ReturnType<typeof readParquet>): Table | null {
  const ffi = wasmTable.intoFFI();
  try {
    const table = parseTable(wasmMemory().buffer, ffi.arrayAddrs(), ffi.schemaAddr(), true);
    return table.data.every((batch) => batch.children.every(startsAtZero)) ? table : null;
  } catch {
    return null;
  } finally {
    ffi.drop();
  }
}

/** Whether every buffer of `data` (and its children) starts at its first value, as IPC tables do. */
function startsAtZero(data: Data): boolean {
  if (data.offset !== 0) return false;
  if (data.dictionary && !data.dictionary.data.every(startsAtZero)) return false;
  return data.children.every(startsAtZero);
}

/** Bytes of the table's buffers. */
function tableBytes(table: Table): number {
  const size = (data: Data): number => {
    let n = (data.values?.byteLength ?? 0) + (data.valueOffsets?.byteLength ?? 0) + (data.nullBitmap?.byteLength ?? 0);
    for (const child of data.children) n += size(child);
    for (const d of data.dictionary?.data ?? []) n += size(d);
    return n;
  };
  let total = 0;
  for (const batch of table.batches) total += size(batch.data);
  return total;
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
