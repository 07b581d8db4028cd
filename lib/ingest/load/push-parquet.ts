// `push` for Parquet: the Worker reads the footer, then one row group at a time through range reads, decodes
// it a few columns at a time with parquet-wasm and sends it in batches of about batchChars of text. A row
// group too large for a Worker's memory is refused before it is decoded.
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
import { type LoadContext, pushInsert } from '../load-sql.ts';
import type { ObjectStore } from '../object-store.ts';
import { type ColumnKind, type LoadPlan, planLoad, type SourceColumn, uniqueNames } from '../plan.ts';
import { arrowShapes, type FieldProfile, profileOf } from '../profile.ts';
import { joinTransport, sameReading, type TransportColumn, transportColumn } from '../transport.ts';
import { closeSuperseded, derivedBatchId, fileName, loadContext, probeSuperseded } from './context.ts';
import { Pipeline, transportChars } from './pipeline.ts';
import type { LoadRequest, PushLoader, PushOptions } from './types.ts';

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
 * Rows [from, to) of the plan's columns, ready to travel. It yields to the event loop after each column (unless told not to):
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
  yieldEach = true,
): Promise<Map<string, TransportColumn>> {
  const columns = new Map<string, TransportColumn>();
  for (const name of [...plan.typed.map((t) => t.source.name), ...plan.extras.map((c) => c.name)]) {
    const index = at.get(name) as number;
    const field = decoded.fields[index] as Field;
    const vector = decoded.columns[index] as Vector;
    const hints = [footer.hints.get(field.name), footer.leafHints.get(field.name)] as const;
    columns.set(name, transportColumn(vector, field, from, to, ...hints));
    if (yieldEach) await nextTask();
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

/** A Parquet object opened for `push`: its footer read, its plan made, its row groups checked by size. */
interface OpenedParquet {
  readonly source: RangeSource;
  readonly footer: ParquetFooter;
  readonly schema: Schema;
  /** Column positions by the plan's (unique) names. */
  readonly at: ReadonlyMap<string, number>;
  readonly plan: LoadPlan;
  readonly ctx: LoadContext;
}

const mb = (n: number) => `${Number((n / 1024 / 1024).toFixed(1))} MB`;
const REMEDY = '(write smaller row groups, or load with the remote strategy)';

/** Refuses row group `index` if it, or one of its columns (bytes per top-level column), is too large. */
function withinLimits(
  schema: Schema,
  options: PushOptions,
  index: number,
  total: number,
  columns: readonly number[],
  how: (size: string) => string,
): void {
  // A row group is decoded a few columns at a time (parquet/decode.ts); one large column is decoded alone.
  const maxColumnBytes = options.maxRowGroupBytes / 4;
  if (total > options.maxRowGroupBytes) {
    throw new ParquetFormatError(
      `row group ${index} ${how(mb(total))}; the push strategy loads at most ${mb(options.maxRowGroupBytes)} per row group ${REMEDY}`,
    );
  }
  const largest = columns.indexOf(Math.max(...columns));
  if (largest >= 0 && (columns[largest] as number) > maxColumnBytes) {
    throw new ParquetFormatError(
      `column '${schema.fields[largest]?.name}' ${how(mb(columns[largest] as number))} in row group ${index}; the push strategy decodes at most ${mb(maxColumnBytes)} of one column at once ${REMEDY}`,
    );
  }
}

async function openParquet(store: ObjectStore, req: LoadRequest, options: PushOptions): Promise<OpenedParquet> {
  const source = rangeSource(store, req);
  const footer = await readFooter(source);
  const { schema } = readSchema(footer);
  // Before anything is read, by the sizes the writer recorded.
  for (const g of footer.rowGroups) {
    const columns = columnBytes(footer, g.index) ?? [];
    withinLimits(schema, options, g.index, g.uncompressedBytes, columns, (s) => `holds ${s} uncompressed`);
  }
  // Columns by position: the plan's names are made unique as DuckDB makes them (`a`, `A` -> `a`, `A_1`).
  const names = uniqueNames(schema.fields.map((f) => f.name));
  const at = new Map(names.map((name, i) => [name, i]));
  const plan = planLoad(req.target, arrowColumns(schema, footer, names), fileName(req));
  const ctx = loadContext(
    req,
    footer.keyValue.get('batch_id') || derivedBatchId(req.key, req.etag),
    footer.keyValue.get('schema_version') ?? null,
  );
  return { source, footer, schema, at, plan, ctx };
}

/** One row group decoded, checked against the limits as it decodes; null when it has no rows. */
async function decodeRowGroup(
  o: OpenedParquet,
  group: ParquetFooter['rowGroups'][number],
  options: PushOptions,
): Promise<{ decoded: DecodedRowGroup; bytes: number; decodedBytes: number } | null> {
  const maxDecodedBytes = options.maxRowGroupBytes * 1.5;
  // Before it is decoded, by its size decoded: dictionary-encoded values are expanded.
  let decodedBytes = group.uncompressedBytes;
  const { group: decoded, bytes } = await readRowGroup(o.source, o.footer, group.index, {
    // What the estimate missed (a long value repeated on most rows) stops it as it is decoded.
    decoding: (decodedSoFar) => {
      if (decodedSoFar > maxDecodedBytes) {
        throw new ParquetFormatError(
          `row group ${group.index} decodes to ${mb(decodedSoFar)} or more, past its estimate (a long value repeated on most rows?); the push strategy decodes at most ${mb(maxDecodedBytes)} of a row group ${REMEDY}`,
        );
      }
    },
    check: (sizes) => {
      decodedBytes = Math.max(
        decodedBytes,
        sizes.reduce((n, s) => n + s, 0),
      );
      withinLimits(o.schema, options, group.index, decodedBytes, sizes, (s) => {
        return `decodes to about ${s} (dictionary values expanded)`;
      });
    },
  });
  if (!decoded || decoded.numRows === 0) return null;
  return { decoded, bytes, decodedBytes };
}

/** NULL counts of the JSON column's source columns in a decoded row group, added to `nulls`. */
function countNulls(o: OpenedParquet, decoded: DecodedRowGroup, nulls: Map<string, number | null>): void {
  for (const c of o.plan.extras) {
    nulls.set(c.name, (nulls.get(c.name) ?? 0) + (decoded.columns[o.at.get(c.name) as number]?.nullCount ?? 0));
  }
}

function profileFor(o: OpenedParquet, rows: number, nulls: ReadonlyMap<string, number | null>) {
  const shapes = o.plan.extras.map((c) => {
    const field = o.schema.fields[o.at.get(c.name) as number] as Field;
    return { name: c.name, shapes: arrowShapes(field, o.footer.hints.get(field.name)) };
  });
  return profileOf(shapes, rows, nulls);
}

/** A Parquet object through `push`; returns after the rows are inserted (not committed). */
export const loadPushParquet: PushLoader = async (tx, store, req, options) => {
  // closeSuperseded's question goes out while the footer is read: its answer needs only the load id.
  const probe = probeSuperseded(tx, req.target, loadContext(req, derivedBatchId(req.key, req.etag), null));
  const o = await openParquet(store, req, options);
  const { plan, ctx, footer, at } = o;
  const pipeline = new Pipeline(tx);
  const nulls = new Map<string, number | null>(plan.extras.map((c) => [c.name, 0]));
  let firstRow = 1;
  let charsPerRow = 0;
  for (const group of footer.rowGroups) {
    const read = await decodeRowGroup(o, group, options);
    if (!read) continue;
    const { decoded, bytes, decodedBytes } = read;
    countNulls(o, decoded, nulls);
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
  await closeSuperseded(tx, req.target, ctx, probe);
  return {
    rows,
    batchId: ctx.batchId,
    schemaVersion: ctx.schemaVersion,
    peakBytes: pipeline.peak,
    warehouseWaitMs: Math.round(pipeline.waitedMs),
    profile: profileFor(o, rows, nulls),
  };
};

/** A whole small Parquet object, decoded and ready to travel in a batch statement with other files. */
export interface PushedFile {
  readonly plan: LoadPlan;
  readonly ctx: LoadContext;
  readonly rows: number;
  /** Its columns' values, every row group's one after the other (none when it has no rows). */
  readonly columns: ReadonlyMap<string, TransportColumn>;
  readonly chars: number;
  readonly profile: readonly FieldProfile[];
  /** Most bytes held while it was decoded: parquet-wasm's memory and one row group. */
  readonly peakBytes: number;
}

/**
 * Reads and decodes a whole Parquet object for a batch statement (the batch path takes only small ones);
 * null when its row groups do not read back alike, so that it loads on its own.
 */
export async function readPushedParquet(
  store: ObjectStore,
  req: LoadRequest,
  options: PushOptions,
): Promise<PushedFile | null> {
  const o = await openParquet(store, req, options);
  const nulls = new Map<string, number | null>(o.plan.extras.map((c) => [c.name, 0]));
  const parts = new Map<string, TransportColumn[]>();
  let rows = 0;
  let peakBytes = 0;
  for (const group of o.footer.rowGroups) {
    const read = await decodeRowGroup(o, group, options);
    if (!read) continue;
    countNulls(o, read.decoded, nulls);
    // No statement is in flight while a batch's files are read: nothing to yield to.
    const columns = await transportSlice(o.plan, read.decoded, o.footer, o.at, 0, read.decoded.numRows, false);
    for (const [name, column] of columns) {
      const before = parts.get(name);
      if (before?.[0] && !sameReading(before[0], column)) return null;
      parts.set(name, [...(before ?? []), column]);
    }
    rows += read.decoded.numRows;
    peakBytes = Math.max(peakBytes, read.bytes + wasmBytes());
  }
  const columns = new Map([...parts].map(([name, p]) => [name, joinTransport(p)]));
  return {
    plan: o.plan,
    ctx: o.ctx,
    rows,
    columns,
    chars: transportChars(columns),
    profile: profileFor(o, rows, nulls),
    peakBytes,
  };
}
