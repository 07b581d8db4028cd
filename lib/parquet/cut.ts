// Cuts a Parquet file down to what a Worker decodes at once: one row group (rowGroupFile), some of its
// top-level columns (columnsFile) or no rows at all (schemaFile). Each is a complete file, with the schema
// as DuckDB reads it, for parquet-wasm's synchronous reader.
import { chunkRange, type ParquetFooter, ParquetFormatError, type TopLevelColumn, topLevelColumns } from './footer.ts';
import { CC, CMD, FMD, int, list, MAGIC, PHYSICAL_FIXED, PHYSICAL_INT96, RG, SE, struct } from './metadata.ts';
import { recordedBytes } from './size-estimate.ts';
import { encodeStruct, type ThriftStruct, type ThriftValue, TType } from './thrift.ts';

const CONVERTED_TIMESTAMP_MILLIS = 9;
const CONVERTED_TIMESTAMP_MICROS = 10;
const LOGICAL_TIMESTAMP = 8;

/**
 * The schema as DuckDB reads it, for the Arrow reader: INT96 columns become 12-byte fixed binaries (we
 * decode those ourselves), and timestamps annotated only with the legacy converted type are marked
 * "not adjusted to UTC", as DuckDB treats them (the Arrow reader would assume UTC).
 */
function asDuckDbReadsIt(elements: readonly ThriftValue[]): ThriftValue[] {
  return elements.map((e) => {
    const el = struct(e);
    if (!el) return e;
    const converted = int(el.get(SE.convertedType));
    const isInt96 = int(el.get(SE.type)) === PHYSICAL_INT96;
    const legacyTimestamp =
      (converted === CONVERTED_TIMESTAMP_MILLIS || converted === CONVERTED_TIMESTAMP_MICROS) && !el.has(SE.logicalType);
    if (!isInt96 && !legacyTimestamp) return e;
    const copy = new Map(el);
    if (isInt96) {
      copy.set(SE.type, { type: TType.I32, value: PHYSICAL_FIXED });
      copy.set(SE.typeLength, { type: TType.I32, value: 12 });
    } else {
      const unit: ThriftStruct = new Map([
        [converted === CONVERTED_TIMESTAMP_MILLIS ? 1 : 2, { type: TType.Struct, value: new Map() }],
      ]);
      const timestamp: ThriftStruct = new Map<number, ThriftValue>([
        [1, { type: TType.False, value: false }],
        [2, { type: TType.Struct, value: unit }],
      ]);
      copy.set(SE.logicalType, {
        type: TType.Struct,
        value: new Map([[LOGICAL_TIMESTAMP, { type: TType.Struct, value: timestamp }]]),
      });
    }
    return { type: TType.Struct, value: copy };
  });
}

function shifted(v: ThriftValue | undefined, delta: number): ThriftValue | undefined {
  if (!v) return v;
  if (v.type === TType.I64) return { type: TType.I64, value: v.value + BigInt(delta) };
  return v;
}

/**
 * A complete Parquet file holding only row group `index`, given that row group's bytes (its [start, end)
 * range). Page-index and bloom-filter references are dropped because their bytes are not copied.
 */
export function rowGroupFile(footer: ParquetFooter, index: number, chunkBytes: Uint8Array): Uint8Array {
  const info = footer.rowGroups[index];
  if (!info) throw new Error(`no row group ${index}`);
  if (chunkBytes.length !== info.end - info.start) throw new Error('row group bytes do not match its range');
  const delta = 4 - info.start;
  const original = struct(list(footer.raw.get(FMD.rowGroups))[index]) as ThriftStruct;
  const columns = list(original.get(RG.columns)).map((c) => relocated(struct(c) as ThriftStruct, delta));
  const group = new Map(original);
  group.set(RG.columns, { type: TType.List, elementType: TType.Struct, value: columns });
  const fileOffset = shifted(group.get(RG.fileOffset), delta);
  if (fileOffset) group.set(RG.fileOffset, fileOffset);

  return assemble(footer, info.numRows, [{ type: TType.Struct, value: group }], chunkBytes);
}

/** A column chunk's metadata with its offsets moved by `delta`, without what points at uncopied bytes. */
function relocated(original: ThriftStruct, delta: number): ThriftValue {
  const chunk = new Map(original);
  const meta = new Map(struct(chunk.get(CC.metaData)) as ThriftStruct);
  // Some writers record offset 0 for "no dictionary (or index) page" (see chunkRange): moved, it would
  // point into another chunk.
  for (const id of [CMD.indexPageOffset, CMD.dictionaryPageOffset]) if ((int(meta.get(id)) ?? 0) <= 0) meta.delete(id);
  for (const id of [CMD.dataPageOffset, CMD.indexPageOffset, CMD.dictionaryPageOffset]) {
    const v = shifted(meta.get(id), delta);
    if (v) meta.set(id, v);
  }
  meta.delete(CMD.bloomFilterOffset);
  meta.delete(CMD.bloomFilterLength);
  if (int(meta.get(CMD.type)) === PHYSICAL_INT96) meta.set(CMD.type, { type: TType.I32, value: PHYSICAL_FIXED });
  chunk.set(CC.metaData, { type: TType.Struct, value: meta });
  const fileOffset = shifted(chunk.get(CC.fileOffset), delta);
  if (fileOffset) chunk.set(CC.fileOffset, fileOffset);
  for (const id of [CC.offsetIndexOffset, CC.offsetIndexLength, CC.columnIndexOffset, CC.columnIndexLength])
    chunk.delete(id);
  return { type: TType.Struct, value: chunk };
}

/**
 * A Parquet file holding only the top-level columns `columns` (indexes, ascending) of row group `index`,
 * given that row group's bytes: their chunks are copied one after another and the schema keeps only them.
 */
export function columnsFile(
  footer: ParquetFooter,
  index: number,
  chunkBytes: Uint8Array,
  columns: readonly number[],
): Uint8Array {
  const info = footer.rowGroups[index];
  if (!info) throw new Error(`no row group ${index}`);
  if (chunkBytes.length !== info.end - info.start) throw new Error('row group bytes do not match its range');
  const tops = topLevelColumns(footer);
  const original = struct(list(footer.raw.get(FMD.rowGroups))[index]) as ThriftStruct;
  const chunks = list(original.get(RG.columns));
  const leaves = columns.flatMap((c) => {
    const [from, to] = (tops[c] as TopLevelColumn).leaves;
    return Array.from({ length: to - from }, (_, i) => from + i);
  });
  const ranges = leaves.map((l) => chunkRange(struct(chunks[l]) as ThriftStruct));
  const bytes = new Uint8Array(ranges.reduce((n, r) => n + r.end - r.start, 0));
  let p = 0;
  const selected = leaves.map((l, i) => {
    const r = ranges[i] as { start: number; end: number };
    bytes.set(chunkBytes.subarray(r.start - info.start, r.end - info.start), p);
    const moved = relocated(struct(chunks[l]) as ThriftStruct, 4 + p - r.start);
    p += r.end - r.start;
    return moved;
  });
  const group: ThriftStruct = new Map(original);
  group.set(RG.columns, { type: TType.List, elementType: TType.Struct, value: selected });
  // These describe all the columns (or name them by position): not true of the subset.
  for (const id of [RG.fileOffset, RG.totalCompressedSize, RG.sortingColumns]) group.delete(id);
  const total = leaves.reduce((n, l) => n + recordedBytes(struct(chunks[l])), 0);
  group.set(RG.totalByteSize, { type: TType.I64, value: BigInt(total) });

  const elements = list(footer.raw.get(FMD.schema));
  const root = new Map(struct(elements[0]) as ThriftStruct);
  root.set(SE.numChildren, { type: TType.I32, value: columns.length });
  const schema: ThriftValue[] = [
    { type: TType.Struct, value: root },
    ...columns.flatMap((c) => elements.slice(...(tops[c] as TopLevelColumn).elements)),
  ];
  const orders = list(footer.raw.get(FMD.columnOrders));
  const leafCount = tops.at(-1)?.leaves[1] ?? 0;
  if (orders.length > 0 && orders.length !== leafCount) {
    throw new ParquetFormatError(`corrupt footer: ${orders.length} column orders for ${leafCount} columns`);
  }
  return assemble(footer, info.numRows, [{ type: TType.Struct, value: group }], bytes, {
    schema,
    columnOrders: orders.length > 0 ? leaves.map((l) => orders[l] as ThriftValue) : undefined,
  });
}

/**
 * PAR1 + column chunks + footer + length + PAR1, with the schema as DuckDB reads it. NOTE: the ARROW:schema
 * hint makes the Arrow reader disagree with DuckDB (time zones, durations); without key-value metadata
 * both read the Parquet types alone.
 */
function assemble(
  footer: ParquetFooter,
  numRows: number,
  rowGroups: ThriftValue[],
  chunkBytes: Uint8Array,
  subset?: { schema: ThriftValue[]; columnOrders: ThriftValue[] | undefined },
): Uint8Array {
  const meta = new Map(footer.raw);
  meta.set(FMD.schema, {
    type: TType.List,
    elementType: TType.Struct,
    value: asDuckDbReadsIt(subset?.schema ?? list(footer.raw.get(FMD.schema))),
  });
  if (subset?.columnOrders) {
    meta.set(FMD.columnOrders, { type: TType.List, elementType: TType.Struct, value: subset.columnOrders });
  } else if (subset) meta.delete(FMD.columnOrders);
  meta.delete(FMD.keyValue);
  meta.set(FMD.numRows, { type: TType.I64, value: BigInt(numRows) });
  meta.set(FMD.rowGroups, { type: TType.List, elementType: TType.Struct, value: rowGroups });
  const metaBytes = encodeStruct(meta);
  const out = new Uint8Array(4 + chunkBytes.length + metaBytes.length + 8);
  const magic = new TextEncoder().encode(MAGIC);
  out.set(magic, 0);
  out.set(chunkBytes, 4);
  out.set(metaBytes, 4 + chunkBytes.length);
  new DataView(out.buffer).setUint32(4 + chunkBytes.length + metaBytes.length, metaBytes.length, true);
  out.set(magic, out.length - 4);
  return out;
}

/** A Parquet file with the footer's schema and no rows, to learn the columns of any file. */
export function schemaFile(footer: ParquetFooter): Uint8Array {
  return assemble(footer, 0, [], new Uint8Array(0));
}
