// Loading one object into its target table, inside a transaction the caller owns: all rows or none.
//   remote  the warehouse reads r2://bucket/key itself; the Worker never holds the file.
//   push    the Worker reads the object (Parquet: one row group at a time) and sends batched INSERTs.
import type { Vector } from 'apache-arrow';
import { DataType, type Field, type Schema, Type } from 'apache-arrow';
import { type DecodedRowGroup, readRowGroup, readSchema, wasmBytes } from '../../parquet/decode.ts';
import {
  type ColumnHint,
  type ParquetFooter,
  ParquetFormatError,
  type RangeSource,
  readFooter,
} from '../../parquet/footer.ts';
import { columnBytes } from '../../parquet/size-estimate.ts';
import type { WarehouseSession } from '../../warehouse/port.ts';
import { UnsupportedColumnError } from '../arrow-json.ts';
import { CsvError, CsvParser, type CsvType, csvColumns, fits, inferType } from '../csv.ts';
import { parseDuckType } from '../duck-types.ts';
import { pushInsert } from '../load-sql.ts';
import type { ObjectStore } from '../object-store.ts';
import { BadFileError, type ColumnKind, type LoadPlan, planLoad, type SourceColumn, uniqueNames } from '../plan.ts';
import { arrowShapes, duckShapes, profileOf } from '../profile.ts';
import { csvTransport, type TransportColumn, transportColumn } from '../transport.ts';
import { closeSuperseded, derivedBatchId, fileName, loadContext } from './context.ts';
import { Pipeline, transportChars } from './pipeline.ts';
import { DEFAULT_PUSH_OPTIONS, type LoadRequest, type LoadResult, type PushOptions } from './types.ts';

const CSV_SAMPLE_ROWS = 20_480;
/**
 * Text the CSV push holds at once, as the row counts would not bound it (a 30 MB file of long fields
 * held 120 MB): the sample stops at this much text, and a batch is sent once it holds half of it.
 */
const CSV_HELD_CHARS = 4 * 1024 * 1024;

const rowChars = (row: readonly string[]): number => row.reduce((n, f) => n + f.length, 0);

/** How many leading rows (of these sizes) to take: at most `rows`, stopping once they hold `chars` of text. */
function leading(sizes: readonly number[], rows: number, chars: number): { n: number; chars: number } {
  let n = 0;
  let held = 0;
  while (n < sizes.length && n < rows && held < chars) held += sizes[n++] as number;
  return { n, chars: held };
}

/** Rewords reader failures as BadFileError naming the file; anything else passes through. */
function asBadFile(error: unknown, file: string): unknown {
  if (error instanceof ParquetFormatError || error instanceof UnsupportedColumnError || error instanceof CsvError) {
    return new BadFileError(`${file}: ${error.message}`);
  }
  return error;
}

// ---- push: Parquet ------------------------------------------------------------------------------

function kindOfArrow(field: Field, hint: ColumnHint | undefined): ColumnKind {
  if (hint === 'int96') return 'timestamp';
  if (hint === 'uuid' || hint === 'json') return 'other';
  let type = field.type as DataType;
  if (DataType.isDictionary(type)) type = (type as unknown as { dictionary: DataType }).dictionary;
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return 'string';
  if (DataType.isInt(type)) return 'integer';
  if (DataType.isFloat(type) || DataType.isDecimal(type)) return 'number';
  if (DataType.isTimestamp(type) || DataType.isDate(type)) return 'timestamp';
  if (type.typeId === Type.Bool) return 'boolean';
  return 'other';
}

/** An Arrow type as error messages name it; Arrow's own text for a decimal is `Decimal[2e+1]`. */
function arrowTypeText(type: DataType): string {
  if (DataType.isDecimal(type)) return `Decimal(${type.precision}, ${type.scale})`;
  return String(type);
}

function arrowColumns(schema: Schema, footer: ParquetFooter, names: readonly string[]): SourceColumn[] {
  return schema.fields.map((f, i) => {
    const hint = footer.hints.get(f.name);
    return {
      name: names[i] as string,
      kind: kindOfArrow(f, hint),
      typeText: hint ? hint.toUpperCase() : arrowTypeText(f.type),
    };
  });
}

function rangeSource(store: ObjectStore, req: LoadRequest): RangeSource {
  return { size: req.size, read: (offset, length) => store.range(req.bucket, req.key, req.etag, offset, length) };
}

/**
 * Rows [from, to) of the plan's columns, ready to travel. It yields to the event loop after each column:
 * the statement in flight needs the Worker to answer the warehouse (postgres.js binds an unnamed
 * statement's parameters only once the warehouse has described it), and one batch's encoding would
 * otherwise keep the warehouse waiting for tens of milliseconds.
 */
async function transportSlice(
  plan: LoadPlan,
  decoded: DecodedRowGroup,
  footer: ParquetFooter,
  at: ReadonlyMap<string, number>,
  from: number,
  to: number,
): Promise<Map<string, TransportColumn>> {
  const columns = new Map<string, TransportColumn>();
  for (const name of [...plan.typed.map((t) => t.source.name), ...plan.extras.map((c) => c.name)]) {
    const index = at.get(name) as number;
    const field = decoded.fields[index] as Field;
    const vector = decoded.columns[index] as Vector;
    const hints = [footer.hints.get(field.name), footer.leafHints.get(field.name)] as const;
    columns.set(name, transportColumn(vector, field, from, to, ...hints));
    await nextTask();
  }
  return columns;
}

/** How far past batchChars a batch may come out before it is built again with fewer rows. */
const BATCH_OVERRUN = 1.25;

/** Rows of a batch: at most batchRows, and as many as fit batchChars at `charsPerRow`. */
function rowsWithin(options: PushOptions, charsPerRow: number): number {
  if (!(charsPerRow > 0)) return options.batchRows;
  return Math.max(1, Math.min(options.batchRows, Math.floor(options.batchChars / charsPerRow)));
}

/** Resolves in a new task, after pending I/O callbacks have run. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

async function loadPushParquet(
  tx: WarehouseSession,
  store: ObjectStore,
  req: LoadRequest,
  options: PushOptions,
): Promise<LoadResult> {
  const file = fileName(req);
  const source = rangeSource(store, req);
  const footer = await readFooter(source);
  const { schema } = readSchema(footer);
  const mb = (n: number) => `${Number((n / 1024 / 1024).toFixed(1))} MB`;
  const remedy = '(write smaller row groups, or load with the remote strategy)';
  // A row group is decoded a few columns at a time (parquet/decode.ts); one large column is decoded alone.
  const maxColumnBytes = options.maxRowGroupBytes / 4;
  const maxDecodedBytes = options.maxRowGroupBytes * 1.5;
  /** Refuses row group `index` if it, or one of its columns (bytes per top-level column), is too large. */
  const withinLimits = (index: number, total: number, columns: readonly number[], how: (size: string) => string) => {
    if (total > options.maxRowGroupBytes) {
      throw new ParquetFormatError(
        `row group ${index} ${how(mb(total))}; the push strategy loads at most ${mb(options.maxRowGroupBytes)} per row group ${remedy}`,
      );
    }
    const largest = columns.indexOf(Math.max(...columns));
    if (largest >= 0 && (columns[largest] as number) > maxColumnBytes) {
      throw new ParquetFormatError(
        `column '${schema.fields[largest]?.name}' ${how(mb(columns[largest] as number))} in row group ${index}; the push strategy decodes at most ${mb(maxColumnBytes)} of one column at once ${remedy}`,
      );
    }
  };
  // Before anything is read, by the sizes the writer recorded.
  for (const g of footer.rowGroups) {
    withinLimits(g.index, g.uncompressedBytes, columnBytes(footer, g.index) ?? [], (s) => `holds ${s} uncompressed`);
  }
  // Columns by position: the plan's names are made unique as DuckDB makes them (`a`, `A` -> `a`, `A_1`).
  const names = uniqueNames(schema.fields.map((f) => f.name));
  const at = new Map(names.map((name, i) => [name, i]));
  const plan = planLoad(req.target, arrowColumns(schema, footer, names), file);
  const ctx = loadContext(
    req,
    footer.keyValue.get('batch_id') || derivedBatchId(req.key, req.etag),
    footer.keyValue.get('schema_version') ?? null,
  );
  const pipeline = new Pipeline(tx);
  const nulls = new Map<string, number | null>(plan.extras.map((c) => [c.name, 0]));
  let firstRow = 1;
  let charsPerRow = 0;
  for (const group of footer.rowGroups) {
    // Before it is decoded, by its size decoded: dictionary-encoded values are expanded.
    let decodedBytes = group.uncompressedBytes;
    const { group: decoded, bytes } = await readRowGroup(source, footer, group.index, {
      // What the estimate missed (a long value repeated on most rows) stops it as it is decoded.
      decoding: (decodedSoFar) => {
        if (decodedSoFar > maxDecodedBytes) {
          throw new ParquetFormatError(
            `row group ${group.index} decodes to ${mb(decodedSoFar)} or more, past its estimate (a long value repeated on most rows?); the push strategy decodes at most ${mb(maxDecodedBytes)} of a row group ${remedy}`,
          );
        }
      },
      check: (sizes) => {
        decodedBytes = Math.max(
          decodedBytes,
          sizes.reduce((n, s) => n + s, 0),
        );
        withinLimits(group.index, decodedBytes, sizes, (s) => `decodes to about ${s} (dictionary values expanded)`);
      },
    });
    if (!decoded || decoded.numRows === 0) continue;
    for (const c of plan.extras) {
      nulls.set(c.name, (nulls.get(c.name) ?? 0) + (decoded.columns[at.get(c.name) as number]?.nullCount ?? 0));
    }
    // A row group's first batch: its rows guessed from its size decoded (text takes about twice the bytes),
    // or the last batch's characters per row if more.
    charsPerRow = Math.max(charsPerRow, (2 * decodedBytes) / group.numRows);
    for (let from = 0; from < decoded.numRows; ) {
      let to = Math.min(decoded.numRows, from + rowsWithin(options, charsPerRow));
      let columns = await transportSlice(plan, decoded, footer, at, from, to);
      let chars = transportChars(columns);
      // Rows longer than guessed: fewer of them, built again, so that a batch stays near the budget.
      while (chars > options.batchChars * BATCH_OVERRUN && to - from > 1) {
        to = from + Math.max(1, Math.floor(((to - from) * options.batchChars) / chars));
        columns = await transportSlice(plan, decoded, footer, at, from, to);
        chars = transportChars(columns);
      }
      const statement = pushInsert(plan, ctx, columns, firstRow + from, to - from);
      await pipeline.send(statement.sql, statement.params, to - from, chars, bytes + wasmBytes());
      // The next batch: as many rows as fit the text budget at this batch's characters per row.
      charsPerRow = chars / (to - from);
      from = to;
    }
    firstRow += decoded.numRows;
  }
  const rows = await pipeline.finish();
  await closeSuperseded(tx, req.target, ctx);
  const shapes = plan.extras.map((c) => {
    const field = schema.fields[at.get(c.name) as number] as Field;
    return { name: c.name, shapes: arrowShapes(field, footer.hints.get(field.name)) };
  });
  return {
    rows,
    batchId: ctx.batchId,
    schemaVersion: ctx.schemaVersion,
    peakBytes: pipeline.peak,
    profile: profileOf(shapes, rows, nulls),
  };
}

// ---- push: CSV ----------------------------------------------------------------------------------

async function* csvRows(stream: ReadableStream<Uint8Array>): AsyncGenerator<string[][]> {
  const parser = new CsvParser();
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let text: string;
      try {
        text = decoder.decode(value, { stream: true });
      } catch {
        throw new CsvError('the file is not valid UTF-8');
      }
      const rows = parser.push(text);
      if (rows.length > 0) yield rows;
    }
    const rest = parser.push(decoder.decode());
    const last = [...rest, ...parser.end()];
    if (last.length > 0) yield last;
  } finally {
    reader.releaseLock();
  }
}

async function loadPushCsv(
  tx: WarehouseSession,
  store: ObjectStore,
  req: LoadRequest,
  options: PushOptions,
): Promise<LoadResult> {
  const file = fileName(req);
  const rowsIn = csvRows(await store.stream(req.bucket, req.key, req.etag));
  let header: string[] | null = null;
  let pending: string[][] = [];
  let types: CsvType[] = [];
  let plan: LoadPlan | null = null;
  const ctx = loadContext(req, derivedBatchId(req.key, req.etag), null);
  const pipeline = new Pipeline(tx);
  let firstRow = 1;
  let line = 1;
  const nulls: number[] = [];
  const strings: number[] = [];

  const flush = async (batch: string[][]) => {
    if (batch.length === 0 || !plan || !header) return;
    const width = header.length;
    for (const row of batch) {
      line++;
      if (row.length !== width) throw new CsvError(`line ${line} has ${row.length} fields, the header has ${width}`);
    }
    const columns = new Map<string, TransportColumn>();
    header.forEach((name, i) => {
      const values = batch.map((row) => (row[i] === '' || row[i] === undefined ? null : row[i]));
      const type = types[i] as CsvType;
      for (const v of values) {
        if (v === null) nulls[i] = (nulls[i] ?? 0) + 1;
        else if (type !== 'VARCHAR' && !fits(type, v)) strings[i] = (strings[i] ?? 0) + 1;
      }
      columns.set(name, csvTransport(values, type, parseDuckType(type)));
    });
    const statement = pushInsert(plan, ctx, columns, firstRow, batch.length);
    firstRow += batch.length;
    await pipeline.send(statement.sql, statement.params, batch.length, transportChars(columns), 0);
  };

  let sizes: number[] = [];
  let pendingChars = 0;
  for await (const rows of rowsIn) {
    for (const blankOrRow of rows) {
      // read_csv skips blank lines, but in a one-column file a blank line is a NULL value.
      if (blankOrRow.length === 0 && header?.length !== 1) continue;
      const row = blankOrRow.length === 0 ? [''] : blankOrRow;
      if (header === null) {
        header = csvHeader(row);
        continue;
      }
      pending.push(row);
      sizes.push(rowChars(row));
      pendingChars += sizes[sizes.length - 1] as number;
    }
    if (!plan && header && (pending.length >= CSV_SAMPLE_ROWS || pendingChars >= CSV_HELD_CHARS)) {
      const h = header;
      types = inferTypes(h, pending, sizes);
      plan = planLoad(req.target, csvColumns(h, types), file);
    }
    while (plan && (pending.length >= options.batchRows || pendingChars >= CSV_HELD_CHARS / 2)) {
      // A batch: batchRows rows, or fewer when they hold half the budget of text.
      const { n, chars } = leading(sizes, options.batchRows, CSV_HELD_CHARS / 2);
      await flush(pending.slice(0, n));
      pending = pending.slice(n);
      sizes = sizes.slice(n);
      pendingChars -= chars;
    }
  }
  if (header === null) throw new CsvError('the file is empty (no header row)');
  if (!plan) {
    const h = header;
    types = inferTypes(h, pending, sizes);
    plan = planLoad(req.target, csvColumns(h, types), file);
  }
  await flush(pending);
  const rows = await pipeline.finish();
  await closeSuperseded(tx, req.target, ctx);
  const extras = new Set(plan.extras.map((c) => c.name));
  const index = new Map(header.map((name, i) => [name, i]));
  const profile = profileOf(
    plan.extras.map((c) => ({ name: c.name, shapes: duckShapes(c.name, parseDuckType(c.typeText)) })),
    rows,
    new Map([...extras].map((name) => [name, nulls[index.get(name) as number] ?? 0])),
    new Map([...extras].map((name) => [name, strings[index.get(name) as number] ?? 0])),
  );
  return { rows, batchId: ctx.batchId, schemaVersion: null, peakBytes: pipeline.peak, profile };
}

/**
 * Column names as DuckDB's read_csv gives them: an empty one is `column<i>`, 0-based, with i padded to the
 * digits of the last index (`column03` of 12 columns); repeated ones made unique.
 */
function csvHeader(row: readonly string[]): string[] {
  const digits = String(Math.max(0, row.length - 1)).length;
  return uniqueNames(row.map((name, i) => (name === '' ? `column${String(i).padStart(digits, '0')}` : name)));
}

/**
 * Types from the first CSV_SAMPLE_ROWS rows exactly, however the text arrived in chunks (fewer when those
 * rows hold more than CSV_HELD_CHARS of text).
 */
function inferTypes(header: readonly string[], rows: readonly string[][], sizes: readonly number[]): CsvType[] {
  const sample = rows.slice(0, leading(sizes, CSV_SAMPLE_ROWS, CSV_HELD_CHARS).n);
  return header.map((_, i) => inferType(sample.map((r) => r[i] ?? '')));
}

/** `push`: the Worker reads the object and sends its rows. */
export async function loadPush(
  tx: WarehouseSession,
  store: ObjectStore,
  req: LoadRequest,
  options: PushOptions = DEFAULT_PUSH_OPTIONS,
): Promise<LoadResult> {
  try {
    return req.format === 'parquet'
      ? await loadPushParquet(tx, store, req, options)
      : await loadPushCsv(tx, store, req, options);
  } catch (error) {
    throw asBadFile(error, fileName(req));
  }
}
