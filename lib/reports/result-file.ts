// A run's result as one Parquet object: one Parquet column per result column, typed by the values it holds
// (text, int32, double, boolean; anything else as JSON text), and in the file's key-value metadata what
// makes reading it back exact: DuckDB's type names, each column's encoding and a hash of the canonical rows,
// which every read checks. DuckDB reads the object as any Parquet file (read_parquet).
import { z } from 'zod';
import { readRowGroup } from '../parquet/decode.ts';
import { bufferSource, ParquetFormatError, readFooter } from '../parquet/footer.ts';
import { type ParquetColumn, writeParquetFile } from '../parquet/write.ts';
import { resultHash } from '../query/canonical.ts';
import { QUERY_MODES, type QueryMode, type ResultColumn, type ResultValue } from '../query/contract.ts';
import type { StoredRows } from './diff.ts';

/** The key-value metadata entry that describes the result. */
export const RESULT_METADATA_KEY = 'living_schema.result';

export const ColumnEncoding = z.enum(['utf8', 'int32', 'float64', 'bool', 'json']);
export type ColumnEncoding = z.infer<typeof ColumnEncoding>;

/** What the file says of itself: the columns as the query engine typed them, the run, and checks. */
export const ResultFileMetadata = z.object({
  format: z.literal(1),
  columns: z.array(z.object({ name: z.string(), type: z.string(), encoding: ColumnEncoding })),
  rowCount: z.number().int().min(0),
  /** SHA-256 of canonicalResult(columns, rows): a read that gives other rows is refused. */
  contentHash: z.string(),
  reportId: z.string(),
  runId: z.string(),
  run: z.number().int(),
  executionId: z.string(),
  mode: z.enum(QUERY_MODES as [QueryMode, ...QueryMode[]]),
  schemaVersion: z.number().int().nullable(),
  at: z.string().nullable(),
  truncated: z.boolean(),
  /** The query engine's hash, as the run recorded it. */
  resultHash: z.string(),
});
export type ResultFileMetadata = z.infer<typeof ResultFileMetadata>;

export type RunAbout = Omit<ResultFileMetadata, 'format' | 'columns' | 'rowCount' | 'contentHash'>;

/** A stored object that is not what its run wrote (another file, edited, truncated). */
export class StoredResultError extends Error {
  override readonly name = 'StoredResultError';
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const isInt32 = (v: number) => Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX && !Object.is(v, -0);

/** The narrowest encoding that keeps every value of a column exactly. */
export function encodingOf(values: readonly ResultValue[]): ColumnEncoding {
  const present = values.filter((v) => v !== null);
  if (present.every((v) => typeof v === 'string')) return 'utf8';
  if (present.every((v) => typeof v === 'boolean')) return 'bool';
  if (present.every((v) => typeof v === 'number'))
    return present.every((v) => isInt32(v as number)) ? 'int32' : 'float64';
  return 'json';
}

function parquetColumn(name: string, encoding: ColumnEncoding, values: readonly ResultValue[]): ParquetColumn {
  switch (encoding) {
    case 'utf8':
      return { name, type: 'utf8', values: values as (string | null)[] };
    case 'int32':
      return { name, type: 'int32', values: values as (number | null)[] };
    case 'float64':
      return { name, type: 'float64', values: values as (number | null)[] };
    case 'bool':
      return { name, type: 'bool', values: values as (boolean | null)[] };
    case 'json':
      return { name, type: 'utf8', values: values.map((v) => (v === null ? null : JSON.stringify(v))) };
  }
}

/** The result as Parquet bytes. NOTE: parquet-wasm must be initialised (initParquetWasm). */
export async function encodeResultFile(result: StoredRows, about: RunAbout): Promise<Uint8Array> {
  const names = new Set(result.columns.map((c) => c.name));
  if (names.size !== result.columns.length) throw new Error('a stored result needs unique column names');
  const encoded = result.columns.map((c, i) => {
    const values = result.rows.map((row) => row[i] as ResultValue);
    return { column: c, encoding: encodingOf(values), values };
  });
  const metadata: ResultFileMetadata = {
    format: 1,
    columns: encoded.map(({ column, encoding }) => ({ name: column.name, type: column.type, encoding })),
    rowCount: result.rows.length,
    contentHash: await resultHash(result.columns, result.rows),
    ...about,
  };
  return writeParquetFile(
    encoded.map(({ column, encoding, values }) => parquetColumn(column.name, encoding, values)),
    { [RESULT_METADATA_KEY]: JSON.stringify(metadata) },
  );
}

function cell(encoding: ColumnEncoding, value: unknown): ResultValue {
  if (value === null || value === undefined) return null;
  if (encoding === 'json') return JSON.parse(String(value)) as ResultValue;
  if (encoding === 'utf8') return String(value);
  if (encoding === 'bool') return Boolean(value);
  return Number(value);
}

/** Reads a stored result back: exactly the columns and rows that were written, or StoredResultError. */
export async function decodeResultFile(
  bytes: Uint8Array,
): Promise<StoredRows & { readonly metadata: ResultFileMetadata }> {
  let metadata: ResultFileMetadata;
  const rows: ResultValue[][] = [];
  try {
    const source = bufferSource(bytes);
    const footer = await readFooter(source);
    const text = footer.keyValue.get(RESULT_METADATA_KEY);
    if (text === undefined) throw new StoredResultError(`the file has no ${RESULT_METADATA_KEY} metadata`);
    const parsed = ResultFileMetadata.safeParse(JSON.parse(text));
    if (!parsed.success) throw new StoredResultError(`its ${RESULT_METADATA_KEY} metadata does not parse`);
    metadata = parsed.data;
    for (let g = 0; g < footer.rowGroups.length; g++) {
      const { group } = await readRowGroup(source, footer, g);
      if (!group) continue;
      if (group.columns.length !== metadata.columns.length)
        throw new StoredResultError(
          `row group ${g} has ${group.columns.length} columns, not ${metadata.columns.length}`,
        );
      for (let i = 0; i < group.numRows; i++) {
        rows.push(metadata.columns.map((c, j) => cell(c.encoding, group.columns[j]?.get(i))));
      }
    }
  } catch (error) {
    if (error instanceof StoredResultError) throw error;
    if (error instanceof ParquetFormatError || error instanceof SyntaxError)
      throw new StoredResultError(`the stored result cannot be read: ${error.message}`);
    throw error;
  }
  const columns: ResultColumn[] = metadata.columns.map((c) => ({ name: c.name, type: c.type }));
  if (rows.length !== metadata.rowCount)
    throw new StoredResultError(`it holds ${rows.length} rows where its metadata says ${metadata.rowCount}`);
  if ((await resultHash(columns, rows)) !== metadata.contentHash)
    throw new StoredResultError('its rows are not the ones its run wrote (content hash mismatch)');
  return { columns, rows, metadata };
}
