// parquet.thrift's FileMetaData as decoded Thrift values: the field ids this folder reads and writes, and
// typed accessors that read a field or give null.
import { type ThriftStruct, type ThriftValue, TType } from './thrift.ts';

/** The four bytes that open and close every Parquet file. */
export const MAGIC = 'PAR1';

// parquet.thrift field ids
export const SE = {
  type: 1,
  typeLength: 2,
  name: 4,
  numChildren: 5,
  convertedType: 6,
  precision: 8,
  logicalType: 10,
} as const;
export const PHYSICAL_INT96 = 3;
export const PHYSICAL_FIXED = 7;
export const FMD = { schema: 2, numRows: 3, rowGroups: 4, keyValue: 5, createdBy: 6, columnOrders: 7 } as const;
export const RG = {
  columns: 1,
  totalByteSize: 2,
  numRows: 3,
  sortingColumns: 4,
  fileOffset: 5,
  totalCompressedSize: 6,
} as const;
export const CC = {
  filePath: 1,
  fileOffset: 2,
  metaData: 3,
  offsetIndexOffset: 4,
  offsetIndexLength: 5,
  columnIndexOffset: 6,
  columnIndexLength: 7,
} as const;
export const CMD = {
  type: 1,
  numValues: 5,
  statistics: 12,
  totalUncompressedSize: 6,
  totalCompressedSize: 7,
  dataPageOffset: 9,
  indexPageOffset: 10,
  dictionaryPageOffset: 11,
  bloomFilterOffset: 14,
  bloomFilterLength: 15,
} as const;

/** A BINARY field's bytes as UTF-8 text. */
export function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** An integer field's value; null when it is absent or not an integer. */
export function int(field: ThriftValue | undefined): number | null {
  if (!field) return null;
  if (field.type === TType.I64) return Number(field.value);
  if (field.type === TType.I32 || field.type === TType.I16 || field.type === TType.Byte) return field.value;
  return null;
}

/** A struct field's fields; null when it is absent or not a struct. */
export function struct(field: ThriftValue | undefined): ThriftStruct | null {
  return field?.type === TType.Struct ? field.value : null;
}

/** A list (or set) field's elements; empty when it is absent. */
export function list(field: ThriftValue | undefined): ThriftValue[] {
  return field?.type === TType.List || field?.type === TType.Set ? field.value : [];
}
