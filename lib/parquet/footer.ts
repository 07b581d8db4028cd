// Reads a Parquet footer through range reads: the schema (and the hints Arrow does not carry), the row
// groups and where their column chunks lie, without reading any column data.
import { CC, CMD, FMD, int, list, MAGIC, PHYSICAL_INT96, RG, SE, struct, text } from './metadata.ts';
import { decodeStruct, ThriftError, type ThriftStruct, type ThriftValue, TType } from './thrift.ts';

/** Random access to an object's bytes (an R2 object through range reads, a buffer in tests). */
export interface RangeSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A Parquet file that cannot be read; the message says why in terms a user can act on. */
export class ParquetFormatError extends Error {
  override readonly name = 'ParquetFormatError';
}

export interface RowGroupInfo {
  readonly index: number;
  readonly numRows: number;
  /** Uncompressed size of the row group's column data, as the writer recorded it. */
  readonly uncompressedBytes: number;
  /** Byte range [start, end) holding the row group's column chunks. */
  readonly start: number;
  readonly end: number;
}

/**
 * What the footer says of a column that Arrow does not carry: a legacy INT96 timestamp (which we decode
 * ourselves), a UUID or JSON (which Arrow sees as plain binary and strings), a TIME adjusted to UTC.
 */
export type ColumnHint = 'int96' | 'uuid' | 'json' | 'timetz';

/** The same for one leaf of a nested column (nested INT96 is refused), null when there is nothing to say. */
export type LeafHint = Exclude<ColumnHint, 'int96'> | null;

export interface ParquetFooter {
  /** Top-level columns the Arrow reader does not describe as DuckDB does. */
  readonly hints: ReadonlyMap<string, ColumnHint>;
  /** Nested columns: each leaf's hint, in depth-first order. */
  readonly leafHints: ReadonlyMap<string, LeafHint[]>;
  readonly fileSize: number;
  readonly numRows: number;
  readonly rowGroups: readonly RowGroupInfo[];
  readonly keyValue: ReadonlyMap<string, string>;
  readonly createdBy: string | null;
  /** The decoded FileMetaData, for building one-row-group files. */
  readonly raw: ThriftStruct;
}

const MAX_FOOTER_BYTES = 64 * 1024 * 1024;

const CONVERTED_MAP = 1;
const CONVERTED_MAP_KEY_VALUE = 2;
const LOGICAL_MAP = 2;
const LOGICAL_TIME = 7;
const LOGICAL_JSON = 12;
const LOGICAL_UUID = 14;
const CONVERTED_JSON = 19;

/** Reads and decodes the footer: two range reads (the 8-byte tail, then the metadata). */
export async function readFooter(source: RangeSource): Promise<ParquetFooter> {
  const size = source.size;
  if (size < 12) throw new ParquetFormatError(`file is ${size} bytes, too short to be Parquet`);
  const head = await source.read(0, 4);
  const tail = await source.read(size - 8, 8);
  const tailMagic = text(tail.subarray(4));
  if (tailMagic === 'PARE') throw new ParquetFormatError('encrypted Parquet footers are not supported');
  if (text(head) !== MAGIC || tailMagic !== MAGIC) {
    throw new ParquetFormatError('not a Parquet file (missing PAR1 magic bytes; truncated or another format)');
  }
  const footerLength = new DataView(tail.buffer, tail.byteOffset, 8).getUint32(0, true);
  if (footerLength === 0 || footerLength > size - 12 || footerLength > MAX_FOOTER_BYTES) {
    throw new ParquetFormatError(`footer length ${footerLength} does not fit a ${size}-byte file (truncated file?)`);
  }
  const footerBytes = await source.read(size - 8 - footerLength, footerLength);
  let raw: ThriftStruct;
  try {
    raw = decodeStruct(footerBytes);
  } catch (error) {
    throw new ParquetFormatError(`corrupt footer: ${error instanceof ThriftError ? error.message : String(error)}`);
  }
  return describeFooter(raw, size);
}

function describeFooter(raw: ThriftStruct, fileSize: number): ParquetFooter {
  const numRows = int(raw.get(FMD.numRows));
  if (numRows === null || list(raw.get(FMD.schema)).length === 0) {
    throw new ParquetFormatError('corrupt footer: no schema or row count');
  }
  const keyValue = new Map<string, string>();
  for (const kv of list(raw.get(FMD.keyValue))) {
    const s = struct(kv);
    const k = s?.get(1);
    const v = s?.get(2);
    if (k?.type === TType.Binary) keyValue.set(text(k.value), v?.type === TType.Binary ? text(v.value) : '');
  }
  const createdByField = raw.get(FMD.createdBy);
  const { hints, leafHints } = checkSchema(list(raw.get(FMD.schema)));
  const rowGroups = list(raw.get(FMD.rowGroups)).map((g, index) => describeRowGroup(g, index, fileSize));
  return {
    hints,
    leafHints,
    fileSize,
    // NOTE: some writers leave FileMetaData.num_rows at 0; readers (DuckDB included) count the row groups.
    numRows: rowGroups.reduce((n, g) => n + g.numRows, 0),
    rowGroups,
    keyValue,
    createdBy: createdByField?.type === TType.Binary ? text(createdByField.value) : null,
    raw,
  };
}

/**
 * Walks the flattened schema: refuses shapes readers disagree on (a MAP without values), and returns the
 * hints for top-level columns. Nested INT96 is refused: its timestamps cannot be decoded exactly here.
 */
function checkSchema(elements: readonly ThriftValue[]) {
  const hints = new Map<string, ColumnHint>();
  const leafHints = new Map<string, LeafHint[]>();
  let at = 1;
  const walk = (depth: number, path: string, parentIsMap: boolean, top: string): void => {
    const el = struct(elements[at]);
    at++;
    if (!el) throw new ParquetFormatError('corrupt footer: malformed schema');
    const nameField = el.get(SE.name);
    const name = nameField?.type === TType.Binary ? text(nameField.value) : '?';
    const full = path === '' ? name : `${path}.${name}`;
    const children = int(el.get(SE.numChildren)) ?? 0;
    const converted = int(el.get(SE.convertedType));
    const logical = struct(el.get(SE.logicalType));
    const isMap =
      converted === CONVERTED_MAP || converted === CONVERTED_MAP_KEY_VALUE || logical?.has(LOGICAL_MAP) === true;
    if (parentIsMap && children === 1) {
      throw new ParquetFormatError(`MAP column '${path}' has keys but no values`);
    }
    if (int(el.get(SE.type)) === PHYSICAL_INT96) {
      if (depth > 1) {
        throw new ParquetFormatError(`column '${full}' is a nested INT96 timestamp, which cannot be decoded exactly`);
      }
      hints.set(name, 'int96');
    }
    // A TIME adjusted to UTC is DuckDB's TIME WITH TIME ZONE; Arrow's Time type does not say so.
    const time = struct(logical?.get(LOGICAL_TIME));
    const hint =
      logical?.has(LOGICAL_UUID) === true
        ? 'uuid'
        : logical?.has(LOGICAL_JSON) === true || converted === CONVERTED_JSON
          ? 'json'
          : time?.get(1)?.value === true
            ? 'timetz'
            : null;
    if (depth === 1 && hint !== null) hints.set(name, hint);
    const column = depth === 1 ? name : top;
    if (depth > 1 && children === 0) leafHints.set(column, [...(leafHints.get(column) ?? []), hint]);
    for (let i = 0; i < children; i++) walk(depth + 1, full, isMap && !parentIsMap, column);
  };
  const root = struct(elements[0]);
  const top = int(root?.get(SE.numChildren)) ?? 0;
  for (let i = 0; i < top; i++) walk(1, '', false, '');
  return { hints, leafHints };
}

/** Byte range [start, end) of a column chunk in its file: its dictionary page, if any, then its data pages. */
export function chunkRange(chunk: ThriftStruct): { start: number; end: number } {
  if (chunk.get(CC.filePath)) throw new ParquetFormatError('column chunks stored in other files are not supported');
  const meta = struct(chunk.get(CC.metaData));
  if (!meta) throw new ParquetFormatError('corrupt footer: column chunk without metadata');
  const data = int(meta.get(CMD.dataPageOffset));
  const dict = int(meta.get(CMD.dictionaryPageOffset));
  const index = int(meta.get(CMD.indexPageOffset));
  const length = int(meta.get(CMD.totalCompressedSize));
  if (data === null || length === null || length < 0)
    throw new ParquetFormatError('corrupt footer: column chunk without offsets');
  // A dictionary page, when present, comes first; some writers record offset 0 for "none".
  const candidates = [
    data,
    ...(dict !== null && dict > 0 ? [dict] : []),
    ...(index !== null && index > 0 ? [index] : []),
  ];
  const start = Math.min(...candidates);
  return { start, end: start + length };
}

function describeRowGroup(value: ThriftValue, index: number, fileSize: number): RowGroupInfo {
  const g = struct(value);
  const numRows = int(g?.get(RG.numRows));
  if (!g || numRows === null || numRows < 0)
    throw new ParquetFormatError(`corrupt footer: row group ${index} has no row count`);
  const chunks = list(g.get(RG.columns));
  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  for (const c of chunks) {
    const cs = struct(c);
    if (!cs) throw new ParquetFormatError(`corrupt footer: row group ${index} has a malformed column`);
    const r = chunkRange(cs);
    start = Math.min(start, r.start);
    end = Math.max(end, r.end);
  }
  if (chunks.length === 0 || numRows === 0) {
    // Nothing to read (some writers record meaningless offsets for empty row groups).
    return { index, numRows, uncompressedBytes: 0, start: 4, end: 4 };
  }
  if (start < 4 || end > fileSize - 8) {
    throw new ParquetFormatError(
      `row group ${index} points outside the file (bytes ${start}-${end} of ${fileSize}; truncated file?)`,
    );
  }
  return { index, numRows, uncompressedBytes: int(g.get(RG.totalByteSize)) ?? 0, start, end };
}

/** A top-level column: its schema elements [from, to) and its leaves (column chunks) [from, to). */
export interface TopLevelColumn {
  readonly elements: readonly [number, number];
  readonly leaves: readonly [number, number];
}

/** The top-level columns of the footer's schema, in order. */
export function topLevelColumns(footer: ParquetFooter): TopLevelColumn[] {
  const elements = list(footer.raw.get(FMD.schema));
  const out: TopLevelColumn[] = [];
  let at = 1;
  let leaf = 0;
  const skip = (): void => {
    const children = int(struct(elements[at])?.get(SE.numChildren)) ?? 0;
    at++;
    if (children === 0) leaf++;
    for (let i = 0; i < children; i++) skip();
  };
  const top = int(struct(elements[0])?.get(SE.numChildren)) ?? 0;
  for (let i = 0; i < top; i++) {
    const [from, first] = [at, leaf];
    skip();
    out.push({ elements: [from, at], leaves: [first, leaf] });
  }
  return out;
}

/** A RangeSource over bytes already in memory. */
export function bufferSource(bytes: Uint8Array): RangeSource {
  return {
    size: bytes.length,
    read: async (offset, length) => {
      if (offset < 0 || offset + length > bytes.length) throw new ParquetFormatError('read past the end of the file');
      return bytes.subarray(offset, offset + length);
    },
  };
}
