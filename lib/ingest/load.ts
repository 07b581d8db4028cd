// Loading one object into its target table, inside a transaction the caller owns: all rows or none.
//   remote  the warehouse reads r2://bucket/key itself; the Worker never holds the file.
//   push    the Worker reads the object (Parquet: one row group at a time) and sends batched INSERTs.
import type { Table } from 'apache-arrow';
import { DataType, type Field, Type } from 'apache-arrow';
import { readRowGroup, readSchema } from '../parquet/decode.ts';
import { type ParquetFooter, ParquetFormatError, type RangeSource, readFooter } from '../parquet/footer.ts';
import type { WarehouseSession } from '../warehouse/port.ts';
import { quoteLiteral } from '../warehouse/sql.ts';
import { columnJson, type JsonColumn, UnsupportedColumnError } from './arrow-json.ts';
import { CsvError, CsvParser, type CsvType, csvColumns, csvValueJson, inferType } from './csv.ts';
import { type LoadContext, pushInsert, pushPayload, remoteLoad, supersede } from './load-sql.ts';
import { BadFileError, type ColumnKind, kindOfDuckType, type LoadPlan, planLoad, type SourceColumn } from './plan.ts';
import type { FileFormat, Target } from './routes.ts';
import type { ObjectStore } from './store.ts';

export type Strategy = 'push' | 'remote';

export interface LoadRequest {
  readonly target: Target;
  readonly format: FileFormat;
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly size: number;
  readonly loadId: string;
  readonly now: Date;
  /** `structured_data.source`. */
  readonly source: string;
}

export interface LoadResult {
  readonly rows: number;
  readonly batchId: string;
  readonly schemaVersion: string | null;
  /** Most bytes the Worker held at once for this file (row group, decoded table, batch text). */
  readonly peakBytes: number;
}

export interface PushOptions {
  /** Row groups larger than this (uncompressed) are refused instead of exhausting Worker memory. */
  readonly maxRowGroupBytes: number;
  /** Rows per INSERT for CSV (Parquet batches follow its row groups). */
  readonly csvBatchRows: number;
}

export const DEFAULT_PUSH_OPTIONS: PushOptions = { maxRowGroupBytes: 64 * 1024 * 1024, csvBatchRows: 20_000 };

const CSV_SAMPLE_ROWS = 20_480;

function fileName(req: LoadRequest): string {
  return `${req.bucket}/${req.key}`;
}

function context(req: LoadRequest, batchId: string, schemaVersion: string | null): LoadContext {
  return {
    loadId: req.loadId,
    batchId,
    sourceKey: `r2://${req.bucket}/${req.key}`,
    schemaVersion,
    now: req.now,
    source: req.source,
    sourceFile: req.key,
  };
}

/** Batch id when the file does not carry one: stable for one object version. */
export function derivedBatchId(key: string, etag: string): string {
  return `${key}@${etag}`;
}

/** Rewords reader failures as BadFileError naming the file; anything else passes through. */
function asBadFile(error: unknown, file: string): unknown {
  if (error instanceof ParquetFormatError || error instanceof UnsupportedColumnError || error instanceof CsvError) {
    return new BadFileError(`${file}: ${error.message}`);
  }
  return error;
}

// ---- remote ------------------------------------------------------------------------------------

/** The warehouse describes and loads the object; returns after the rows are inserted (not committed). */
export async function loadRemote(tx: WarehouseSession, req: LoadRequest): Promise<LoadResult> {
  const url = `r2://${req.bucket}/${req.key}`;
  const reader = req.format === 'parquet' ? `read_parquet(${quoteLiteral(url)})` : `read_csv(${quoteLiteral(url)})`;
  const described = await tx.query<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${reader}`);
  const columns: SourceColumn[] = described.map((c) => ({
    name: c.column_name,
    kind: kindOfDuckType(c.column_type),
    typeText: c.column_type,
  }));
  let schemaVersion: string | null = null;
  let batchId = derivedBatchId(req.key, req.etag);
  if (req.format === 'parquet') {
    const kv = await tx.query<{ key: string; value: string }>(
      `SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata(${quoteLiteral(url)}) WHERE decode(key) IN ('schema_version', 'batch_id')`,
    );
    for (const { key, value } of kv) {
      if (key === 'schema_version') schemaVersion = value;
      if (key === 'batch_id' && value !== '') batchId = value;
    }
  }
  const plan = planLoad(req.target, columns, fileName(req));
  const ctx = context(req, batchId, schemaVersion);
  const types = new Map(described.map((c) => [c.column_name, c.column_type]));
  const rows = await tx.loadParquet(remoteLoad(plan, ctx, url, req.format, types));
  const closing = supersede(req.target, ctx);
  await tx.execute(closing.sql, closing.params);
  return { rows, batchId, schemaVersion, peakBytes: 0 };
}

// ---- push: Parquet ------------------------------------------------------------------------------

function kindOfArrow(field: Field, int96: boolean): ColumnKind {
  if (int96) return 'timestamp';
  let type = field.type as DataType;
  if (DataType.isDictionary(type)) type = (type as unknown as { dictionary: DataType }).dictionary;
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return 'string';
  if (DataType.isInt(type)) return 'integer';
  if (DataType.isFloat(type) || DataType.isDecimal(type)) return 'number';
  if (DataType.isTimestamp(type) || DataType.isDate(type)) return 'timestamp';
  if (type.typeId === Type.Bool) return 'boolean';
  return 'other';
}

function arrowColumns(table: Table, footer: ParquetFooter): SourceColumn[] {
  return table.schema.fields.map((f) => {
    const int96 = footer.int96Columns.has(f.name);
    return { name: f.name, kind: kindOfArrow(f, int96), typeText: int96 ? 'INT96' : String(f.type) };
  });
}

function rangeSource(store: ObjectStore, req: LoadRequest): RangeSource {
  return { size: req.size, read: (offset, length) => store.range(req.bucket, req.key, req.etag, offset, length) };
}

/** Columns of one row group in plan order, as JSON text. */
function planColumns(
  plan: LoadPlan,
  table: Table,
  footer: ParquetFooter,
): { typed: JsonColumn[]; extras: JsonColumn[] } {
  const index = new Map(table.schema.fields.map((f, i) => [f.name, i]));
  const json = (name: string) => columnJson(table, index.get(name) as number, footer.int96Columns.has(name));
  return { typed: plan.typed.map((t) => json(t.source.name)), extras: plan.extras.map((c) => json(c.name)) };
}

/** Sends batches with one INSERT in flight while the next is prepared; returns the rows inserted. */
class Pipeline {
  private inFlight: Promise<number> | null = null;
  private inFlightBytes = 0;
  rows = 0;
  peak = 0;
  private readonly tx: WarehouseSession;

  constructor(tx: WarehouseSession) {
    this.tx = tx;
  }

  /** `held` is what the caller holds while building this batch (decoded data), beyond the payload. */
  async send(
    sql: string,
    params: Parameters<WarehouseSession['execute']>[1],
    payloadChars: number,
    held: number,
  ): Promise<void> {
    const bytes = payloadChars * 2;
    this.peak = Math.max(this.peak, held + bytes + this.inFlightBytes);
    const previous = this.inFlight;
    this.inFlight = this.tx.execute(sql, params);
    // Keep the new one from being reported as unhandled while the previous one is awaited.
    this.inFlight.catch(() => {});
    this.inFlightBytes = bytes;
    if (previous) this.rows += await previous;
  }

  async finish(): Promise<number> {
    if (this.inFlight) this.rows += await this.inFlight;
    this.inFlight = null;
    return this.rows;
  }
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
  for (const g of footer.rowGroups) {
    if (g.uncompressedBytes > options.maxRowGroupBytes) {
      const mb = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;
      throw new ParquetFormatError(
        `row group ${g.index} holds ${mb(g.uncompressedBytes)} uncompressed; the push strategy loads at most ${mb(options.maxRowGroupBytes)} per row group (write smaller row groups, or load with the remote strategy)`,
      );
    }
  }
  const plan = planLoad(req.target, arrowColumns(readSchema(footer), footer), file);
  const ctx = context(
    req,
    footer.keyValue.get('batch_id') || derivedBatchId(req.key, req.etag),
    footer.keyValue.get('schema_version') ?? null,
  );
  const pipeline = new Pipeline(tx);
  let firstRow = 1;
  for (const group of footer.rowGroups) {
    const { table, bytes } = await readRowGroup(source, footer, group.index);
    if (!table || table.numRows === 0) continue;
    const { typed, extras } = planColumns(plan, table, footer);
    const payload = pushPayload(typed, extras);
    const statement = pushInsert(plan, ctx, payload, firstRow);
    firstRow += table.numRows;
    await pipeline.send(statement.sql, statement.params, payload.length, bytes);
  }
  const rows = await pipeline.finish();
  const closing = supersede(req.target, ctx);
  await tx.execute(closing.sql, closing.params);
  return { rows, batchId: ctx.batchId, schemaVersion: ctx.schemaVersion, peakBytes: pipeline.peak };
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
  const ctx = context(req, derivedBatchId(req.key, req.etag), null);
  const pipeline = new Pipeline(tx);
  let firstRow = 1;
  let line = 1;

  const flush = async (batch: string[][]) => {
    if (batch.length === 0 || !plan || !header) return;
    const width = header.length;
    for (const row of batch) {
      line++;
      if (row.length !== width) throw new CsvError(`line ${line} has ${row.length} fields, the header has ${width}`);
    }
    const index = new Map(header.map((h, i) => [h, i]));
    const column = (name: string) => {
      const i = index.get(name) as number;
      return batch.map((row) => csvValueJson(row[i], types[i] as CsvType));
    };
    const payload = pushPayload(
      plan.typed.map((t) => column(t.source.name)),
      plan.extras.map((c) => column(c.name)),
    );
    const statement = pushInsert(plan, ctx, payload, firstRow);
    firstRow += batch.length;
    await pipeline.send(statement.sql, statement.params, payload.length, 0);
  };

  for await (const rows of rowsIn) {
    for (const row of rows) {
      if (header === null) {
        header = row;
        if (new Set(header).size !== header.length) throw new CsvError('the header repeats a column name');
        continue;
      }
      pending.push(row);
    }
    if (!plan && header && pending.length >= CSV_SAMPLE_ROWS) {
      const h = header;
      types = h.map((_, i) => inferType(pending.map((r) => r[i] ?? '')));
      plan = planLoad(req.target, csvColumns(h, types), file);
    }
    while (plan && pending.length >= options.csvBatchRows) {
      await flush(pending.slice(0, options.csvBatchRows));
      pending = pending.slice(options.csvBatchRows);
    }
  }
  if (header === null) throw new CsvError('the file is empty (no header row)');
  if (!plan) {
    const h = header;
    types = h.map((_, i) => inferType(pending.map((r) => r[i] ?? '')));
    plan = planLoad(req.target, csvColumns(h, types), file);
  }
  await flush(pending);
  const rows = await pipeline.finish();
  const closing = supersede(req.target, ctx);
  await tx.execute(closing.sql, closing.params);
  return { rows, batchId: ctx.batchId, schemaVersion: null, peakBytes: pipeline.peak };
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

export { BadFileError };
