// How large each top-level column of a row group is: as its writer recorded it (columnBytes), and once
// decoded, estimated from its chunks before decoding them (decodedColumnBytes), so that push can refuse
// what would not fit in a Worker's memory before it holds it.
import { chunkRange, type ParquetFooter, topLevelColumns } from './footer.ts';
import { CC, CMD, FMD, int, list, PHYSICAL_FIXED, RG, SE, struct } from './metadata.ts';
import { decodeStruct, type ThriftStruct, type ThriftValue } from './thrift.ts';

/**
 * Uncompressed bytes of each top-level column in row group `index` (its chunks', as the writer recorded);
 * null when the row group's chunks do not match the schema's leaves one for one.
 */
export function columnBytes(footer: ParquetFooter, index: number): number[] | null {
  return perColumn(footer, index, recordedBytes);
}

/** A column chunk's uncompressed size, as its writer recorded it. */
export function recordedBytes(chunk: ThriftStruct | null | undefined): number {
  return int(struct(chunk?.get(CC.metaData))?.get(CMD.totalUncompressedSize)) ?? 0;
}

/**
 * `leafBytes` of each column chunk of row group `index` (and its leaf's index), summed per top-level column;
 * null when the row group's chunks do not match the schema's leaves one for one.
 */
function perColumn(
  footer: ParquetFooter,
  index: number,
  leafBytes: (chunk: ThriftStruct | null, leaf: number) => number,
): number[] | null {
  const chunks = list(struct(list(footer.raw.get(FMD.rowGroups))[index])?.get(RG.columns));
  const tops = topLevelColumns(footer);
  if ((tops.at(-1)?.leaves[1] ?? 0) !== chunks.length) return null;
  return tops.map(({ leaves: [from, to] }) => {
    let n = 0;
    for (let leaf = from; leaf < to; leaf++) n += leafBytes(struct(chunks[leaf]), leaf);
    return n;
  });
}

// PageHeader (parquet.thrift): a dictionary page's header says how many entries it holds in how many bytes.
const PAGE = { type: 1, uncompressedSize: 2, dictionaryHeader: 7 } as const;
const DICTIONARY_PAGE = 2;
const STATISTICS_NULL_COUNT = 3;
const LOGICAL_DECIMAL = 5;
const CONVERTED_DECIMAL = 5;
/** Bytes per value of the fixed-width physical types, as Arrow holds them decoded. */
const PHYSICAL_WIDTH: Readonly<Record<number, number>> = { 0: 1, 1: 4, 2: 8, 3: 12, 4: 4, 5: 8 };

/**
 * Bytes each top-level column of row group `index` takes once decoded, estimated from its chunks (`chunkBytes`
 * is the row group's range): the size the writer recorded, or more where values expand: a fixed-width value
 * takes its width whatever its encoding, and dictionary-encoded text its non-null values times the
 * dictionary's average entry. A few distinct long strings repeated on every row record a few kilobytes and
 * decode to hundreds of megabytes. Null when the chunks do not match the schema's leaves.
 */
export function decodedColumnBytes(footer: ParquetFooter, index: number, chunkBytes: Uint8Array): number[] | null {
  const info = footer.rowGroups[index];
  if (!info) return null;
  const leafWidths = leafTypeWidths(footer);
  const count = (v: ThriftValue | undefined) => Math.max(0, int(v) ?? 0);
  return perColumn(footer, index, (chunk, leaf) => {
    const meta = struct(chunk?.get(CC.metaData));
    // Value slots (nulls and empty lists included) and, when the writer says, how many are null.
    const values = count(meta?.get(CMD.numValues));
    const nonNull = Math.max(0, values - count(struct(meta?.get(CMD.statistics))?.get(STATISTICS_NULL_COUNT)));
    const width = leafWidths[leaf] ?? PHYSICAL_WIDTH[int(meta?.get(CMD.type)) ?? -1];
    const recorded = count(meta?.get(CMD.totalUncompressedSize));
    // A fixed-width value takes its width decoded whatever its encoding (dictionary, delta, null).
    if (width !== undefined) return Math.max(recorded, values * width);
    const dictionary = chunk ? dictionaryHeader(chunk, chunkBytes, info.start) : null;
    if (dictionary === null) return recorded;
    // Text: each non-null value's bytes (an entry is stored with a 4-byte length), a 4-byte offset per slot.
    return Math.max(recorded, nonNull * Math.max(0, dictionary.bytes / dictionary.entries - 4) + values * 4);
  });
}

/** The dictionary page at the start of a chunk: its entries and uncompressed bytes; null when there is none. */
function dictionaryHeader(
  chunk: ThriftStruct,
  chunkBytes: Uint8Array,
  groupStart: number,
): { entries: number; bytes: number } | null {
  let range: { start: number; end: number };
  let header: ThriftStruct;
  try {
    range = chunkRange(chunk);
    header = decodeStruct(chunkBytes.subarray(range.start - groupStart, range.end - groupStart));
  } catch {
    return null; // The decoder will say what is wrong with this chunk.
  }
  if (int(header.get(PAGE.type)) !== DICTIONARY_PAGE) return null;
  const entries = int(struct(header.get(PAGE.dictionaryHeader))?.get(1)) ?? 0;
  const bytes = int(header.get(PAGE.uncompressedSize)) ?? 0;
  return entries > 0 ? { entries, bytes } : null;
}

/**
 * Per leaf, the decoded width its type gives beyond its physical type: a decimal's 16 (or 32) bytes, a
 * FIXED_LEN_BYTE_ARRAY's type length; undefined for the others.
 */
function leafTypeWidths(footer: ParquetFooter): (number | undefined)[] {
  const widths: (number | undefined)[] = [];
  for (const e of list(footer.raw.get(FMD.schema)).slice(1)) {
    const el = struct(e);
    if ((int(el?.get(SE.numChildren)) ?? 0) > 0) continue;
    // The Arrow reader makes every decimal a 128-bit (or, beyond 38 digits, 256-bit) value.
    const decimal = struct(struct(el?.get(SE.logicalType))?.get(LOGICAL_DECIMAL));
    const precision =
      int(decimal?.get(2)) ??
      (int(el?.get(SE.convertedType)) === CONVERTED_DECIMAL ? int(el?.get(SE.precision)) : null);
    if (precision !== null) widths.push(precision > 38 ? 32 : 16);
    else widths.push(int(el?.get(SE.type)) === PHYSICAL_FIXED ? (int(el?.get(SE.typeLength)) ?? undefined) : undefined);
  }
  return widths;
}
