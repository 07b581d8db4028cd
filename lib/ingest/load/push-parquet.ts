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
import { pushInsert } from '../load-sql.ts';
import type { ObjectStore } from '../object-store.ts';
import { type ColumnKind, type LoadPlan, planLoad, type SourceColumn, uniqueNames } from '../plan.ts';
import { arrowShapes, profileOf } from '../profile.ts';
import { type TransportColumn, transportColumn } from '../transport.ts';
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

/** A Parquet object through `push`; returns after the rows are inserted (not committed). */
export const loadPushParquet: PushLoader = async (tx, store, req, options) => {
  const file = fileName(req);
  // closeSuperseded's question goes out while the footer is read: its answer needs only the load id.
  const probe = probeSuperseded(tx, req.target, loadContext(req, derivedBatchId(req.key, req.etag), null));
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
  await closeSuperseded(tx, req.target, ctx, probe);
  const shapes = plan.extras.map((c) => {
    const field = schema.fields[at.get(c.name) as number] as Field;
    return { name: c.name, shapes: arrowShapes(field, footer.hints.get(field.name)) };
  });
  return {
    rows,
    batchId: ctx.batchId,
    schemaVersion: ctx.schemaVersion,
    peakBytes: pipeline.peak,
    warehouseWaitMs: Math.round(pipeline.waitedMs),
    profile: profileOf(shapes, rows, nulls),
  };
};
