// The SQL both strategies send: one INSERT ... SELECT per file (remote, through the port's loadFile)
// or per batch of rows (push) into the target table, and the UPDATE that closes rows a load supersedes.
// Either way the warehouse casts the typed columns and renders the JSON column with the same SQL.
import type { FileLoad, SqlParam } from '../warehouse/port.ts';
import { quoteIdent, quoteLiteral } from '../warehouse/sql.ts';
import { type DuckType, normaliseSql, parseDuckType, rowJsonSql } from './duck-types.ts';
import { JSON_COLUMN, type LoadPlan } from './plan.ts';
import type { Target } from './routes.ts';
import type { TransportColumn } from './transport.ts';

/** Per-load values every inserted row gets. */
export interface LoadContext {
  readonly loadId: string;
  readonly batchId: string;
  /** `r2://<bucket>/<key>`: identifies the object across buckets. */
  readonly sourceKey: string;
  readonly schemaVersion: string | null;
  readonly now: Date;
  /** When R2 wrote this version (the event's time): orders versions, whatever order they load in. */
  readonly eventTime: Date;
  /** structured_data only: dataset name and the object key. */
  readonly source: string;
  readonly sourceFile: string;
}

/** A statement and its parameters. */
export interface Statement {
  readonly sql: string;
  readonly params: SqlParam[];
}

/**
 * The per-load constants as SQL literals. NOTE: not parameters: DuckDB does not fold a cast parameter
 * into a constant, so `$2::TIMESTAMPTZ` in a select list is re-cast for every row (3x slower loads).
 */
const literal = {
  text: (v: string | null): string => (v === null ? 'NULL::VARCHAR' : `${quoteLiteral(v)}::VARCHAR`),
  instant: (d: Date): string => `'${d.toISOString()}'::TIMESTAMPTZ`,
  integer: (n: number): string => {
    if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
    return `${n}::BIGINT`;
  },
};

/** A source column as the warehouse sees it: an expression, its DuckDB type, known finiteness. */
interface SourceExpr {
  readonly expr: string;
  readonly type: DuckType;
  readonly finite: boolean;
  /** The value as a TIMESTAMPTZ instant, when it is a date or timestamp. */
  readonly instant?: string;
}

const NAIVE_TIME = /^(DATE|TIMESTAMP|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS|DATETIME)$/;

/**
 * Typed target columns are cast; a date or timestamp without time zone becomes a TIMESTAMPTZ as UTC,
 * without ICU (whose session-time-zone cast is both slow and dependent on the session's time zone).
 */
function castTo(e: SourceExpr, sqlType: string): string {
  if (sqlType === 'TIMESTAMPTZ' && e.instant !== undefined) return e.instant;
  if (sqlType === 'TIMESTAMPTZ' && e.type.kind === 'scalar' && NAIVE_TIME.test(e.type.name)) {
    // infinity and -infinity have no epoch (epoch_us gives NULL): they are cast by name.
    return `CASE WHEN isfinite(${e.expr}) THEN make_timestamptz(epoch_us(CAST(${e.expr} AS TIMESTAMP))) ELSE CAST(CAST(${e.expr} AS VARCHAR) AS TIMESTAMPTZ) END`;
  }
  if (e.type.kind === 'scalar' && e.type.name === sqlType) return e.expr;
  return `CAST(${e.expr} AS ${sqlType})`;
}

interface Projection {
  /** Typed target columns present in the file, in plan order. */
  readonly typed: readonly SourceExpr[];
  /** Extra columns, in plan order, rendered into the JSON column. */
  readonly extras: readonly SourceExpr[];
  /** 1-based row number within the file (only structured_data has the column). */
  readonly rowNumber: string;
}

/** Target columns and the expression for each. */
function selectList(plan: LoadPlan, ctx: LoadContext, projection: Projection): { columns: string[]; select: string[] } {
  const target = plan.target;
  const now = literal.instant(ctx.now);
  // Defaults of optional columns: for an absent column, and for a NULL in a present one.
  const defaults = new Map<string, string>(
    target === 'annotations'
      ? [
          ['status', `'submitted'`],
          ['annotated_at', now],
        ]
      : [],
  );
  const columns: string[] = [];
  const select: string[] = [];
  plan.typed.forEach((t, i) => {
    columns.push(t.column.name);
    const value = castTo(projection.typed[i] as SourceExpr, t.column.sqlType);
    const fallback = defaults.get(t.column.name);
    select.push(fallback === undefined ? value : `coalesce(${value}, ${fallback})`);
  });
  for (const m of plan.missing) {
    const fallback = defaults.get(m.name);
    if (fallback === undefined) continue;
    columns.push(m.name);
    select.push(fallback);
  }
  const jsonColumn = JSON_COLUMN[target];
  columns.push(jsonColumn);
  if (projection.extras.length === 0) select.push(jsonColumn === 'data' ? `'{}'::JSON` : 'NULL');
  else {
    select.push(
      rowJsonSql(
        plan.extras.map((c, i) => {
          const e = projection.extras[i] as SourceExpr;
          return { key: c.name, expr: normaliseSql(e.expr, e.type, { finite: e.finite }) };
        }),
      ),
    );
  }
  if (target === 'structured_data') {
    columns.push('source', 'source_file', 'row_number');
    select.push(literal.text(ctx.source), literal.text(ctx.sourceFile), projection.rowNumber);
  }
  columns.push('batch_id', 'source_key', 'schema_version', 'ingested_at', 'valid_from', 'load_id');
  select.push(
    literal.text(ctx.batchId),
    literal.text(ctx.sourceKey),
    literal.text(ctx.schemaVersion),
    now,
    now,
    literal.text(ctx.loadId),
  );
  return { columns, select };
}

/**
 * `remote`: what the port's loadFile runs. `types` maps source column names to DuckDB types; `finite`
 * names the floating point columns the warehouse found free of NaN and infinities.
 */
export function remoteLoad(
  plan: LoadPlan,
  ctx: LoadContext,
  url: string,
  format: 'parquet' | 'csv',
  types: ReadonlyMap<string, string>,
  finite: ReadonlySet<string>,
): FileLoad {
  const source = (name: string): SourceExpr => ({
    expr: quoteIdent(name),
    type: parseDuckType(types.get(name) as string),
    finite: finite.has(name),
  });
  // A file's own column named file_row_number takes DuckDB's name: the rows are numbered under another.
  const lower = new Set([...types.keys()].map((n) => n.toLowerCase()));
  let alias: string | undefined;
  if (lower.has('file_row_number')) {
    alias = 'living_schema_row_number';
    while (lower.has(alias)) alias = `_${alias}`;
  }
  const { columns, select } = selectList(plan, ctx, {
    typed: plan.typed.map((t) => source(t.source.name)),
    extras: plan.extras.map((c) => source(c.name)),
    rowNumber: `${quoteIdent(alias ?? 'file_row_number')} + 1`,
  });
  return {
    url,
    table: plan.target,
    columns,
    select,
    format,
    rowNumbers: plan.target === 'structured_data',
    ...(alias !== undefined ? { rowNumberAlias: alias } : {}),
  };
}

/** A push batch's parts: target columns and their expressions, the unnested lists, and the parameters. */
interface PushProjection {
  readonly targets: string[];
  readonly select: string[];
  /** `unnest(...) AS cN` per column (and `AS i`, the row's position in the batch, for structured_data). */
  readonly unnest: string[];
  readonly params: string[];
}

function pushProjection(
  plan: LoadPlan,
  ctx: LoadContext,
  columns: ReadonlyMap<string, TransportColumn>,
  rowNumber: string,
  rows: number,
): PushProjection {
  const names = [...plan.typed.map((t) => t.source.name), ...plan.extras.map((c) => c.name)];
  if (names.length === 0) throw new Error('a push batch needs at least one column');
  const params: string[] = [];
  const unnest = names.map((name, i) => {
    const column = columns.get(name);
    if (!column) throw new Error(`no transported values for column '${name}'`);
    params.push(column.param);
    return `unnest(${column.list(`$${i + 1}`)}) AS c${i}`;
  });
  if (plan.target === 'structured_data') unnest.push(`unnest(range(${literal.integer(rows)})) AS i`);
  const source = (name: string, i: number): SourceExpr => {
    const column = columns.get(name) as TransportColumn;
    const v = column.nullMark ? `nullif(c${i}, chr(31))` : `c${i}`;
    return {
      expr: column.expr(v),
      type: column.type,
      finite: column.finite === true,
      ...(column.instant ? { instant: column.instant(v) } : {}),
    };
  };
  const { columns: targets, select } = selectList(plan, ctx, {
    typed: plan.typed.map((t, i) => source(t.source.name, i)),
    extras: plan.extras.map((c, i) => source(c.name, plan.typed.length + i)),
    rowNumber,
  });
  return { targets, select, unnest, params };
}

/**
 * `push`: one batch of rows travels as one text parameter per column (transport.ts), which the warehouse
 * turns back into lists and unnests side by side. `firstRow` is the file row number of the batch's first row.
 */
export function pushInsert(
  plan: LoadPlan,
  ctx: LoadContext,
  columns: ReadonlyMap<string, TransportColumn>,
  firstRow: number,
  rows: number,
): Statement {
  const p = pushProjection(plan, ctx, columns, `${literal.integer(firstRow - 1)} + i + 1`, rows);
  return {
    sql: `INSERT INTO ${plan.target} (${p.targets.map(quoteIdent).join(', ')}) SELECT ${p.select.join(', ')} FROM (SELECT ${p.unnest.join(', ')})`,
    params: p.params,
  };
}

/** One file's rows in a push batch of several files, and the lineage they get. */
export interface PushBatchPart {
  readonly ctx: LoadContext;
  readonly rows: number;
}

/** The lineage columns a batch statement takes from its files' VALUES list instead of literals. */
const BATCH_LINEAGE: Readonly<Record<string, string>> = {
  load_id: '__ls_m.__ls_load_id',
  batch_id: '__ls_m.__ls_batch_id',
  source_key: '__ls_m.__ls_source_key',
  schema_version: '__ls_m.__ls_schema_version',
  source: '__ls_m.__ls_source',
  source_file: '__ls_m.__ls_source_file',
};

/** A VALUES list of files' lineage, joined on `__ls_m.__ls_i` (the file's position in `parts`). */
export function lineageValues(parts: readonly { ctx: LoadContext; first: number }[]): string {
  const rows = parts.map(
    ({ ctx, first }, i) =>
      `(${i}::BIGINT, ${literal.text(ctx.loadId)}, ${literal.text(ctx.batchId)}, ${literal.text(ctx.sourceKey)}, ${literal.text(ctx.schemaVersion)}, ${literal.text(ctx.source)}, ${literal.text(ctx.sourceFile)}, ${literal.integer(first)})`,
  );
  return `(VALUES ${rows.join(', ')}) AS __ls_m(__ls_i, __ls_load_id, __ls_batch_id, __ls_source_key, __ls_schema_version, __ls_source, __ls_source_file, __ls_first)`;
}

/** A select list with the lineage columns read from lineageValues (and `also`'s columns replaced). */
export function withBatchLineage(
  columns: readonly string[],
  select: readonly string[],
  also: Readonly<Record<string, string>> = {},
): string[] {
  return columns.map((c, i) => also[c] ?? BATCH_LINEAGE[c] ?? (select[i] as string));
}

/**
 * `push` of several files with one plan in one statement: their columns joined file after file, one more
 * parameter giving each row its file's position, and each file's lineage from a VALUES list.
 */
export function pushBatchInsert(
  plan: LoadPlan,
  columns: ReadonlyMap<string, TransportColumn>,
  parts: readonly PushBatchPart[],
): Statement {
  const first = parts[0];
  if (!first) throw new Error('a push batch needs at least one file');
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  const p = pushProjection(plan, first.ctx, columns, '0', rows);
  // Which file each row is: one number per row, as the columns travel.
  const index = new Int32Array(rows);
  let at = 0;
  const placed = parts.map((part, i) => {
    index.fill(i, at, at + part.rows);
    const entry = { ctx: part.ctx, first: at };
    at += part.rows;
    return entry;
  });
  p.params.push(index.join('\x1e'));
  p.unnest.push(`unnest(string_split($${p.params.length}::VARCHAR, chr(30))) AS __ls_fi`);
  return {
    sql: `INSERT INTO ${plan.target} (${p.targets.map(quoteIdent).join(', ')})
SELECT ${withBatchLineage(p.targets, p.select, { row_number: '__ls_f.i - __ls_m.__ls_first + 1' }).join(', ')}
FROM (SELECT ${p.unnest.join(', ')}) AS __ls_f
JOIN ${lineageValues(placed)} ON __ls_m.__ls_i = CAST(__ls_f.__ls_fi AS BIGINT)`,
    params: p.params,
  };
}

/** Whether the target has current rows of other loads, and whether a load of a later event is in. */
export function supersedeProbe(target: Target, ctx: LoadContext): string {
  const load = literal.text(ctx.loadId);
  return `SELECT EXISTS (SELECT 1 FROM ${quoteIdent(target)} WHERE valid_to IS NULL AND load_id IS DISTINCT FROM ${load}) AS others,
    EXISTS (SELECT 1 FROM ingest_log WHERE target = ${quoteLiteral(target)} AND status = 'loaded' AND event_time > ${literal.instant(ctx.eventTime)}) AS later`;
}

/** What makes a row the same thing as a row of another file: a document page; an annotator's response. */
const IDENTITY: Record<Target, readonly string[] | null> = {
  raw_documents: ['document_id', 'page'],
  annotations: ['record_id', 'dataset', 'annotator'],
  structured_data: null,
};

/**
 * Closes (valid_to) the current rows this load replaces: earlier versions of the same object, and rows
 * with the same identity from other objects (a document page; an annotator's response to a record).
 * "Earlier" is by event time. When a load of a later event is already in (`laterLoads`: a retry made
 * this one late), its rows stay current, and this load's rows that they replace arrive closed
 * (valid_to = valid_from: never current, kept as history).
 */
export function supersede(target: Target, ctx: LoadContext, laterLoads: boolean): Statement[] {
  const t = quoteIdent(target);
  const now = literal.instant(ctx.now);
  const load = literal.text(ctx.loadId);
  const key = literal.text(ctx.sourceKey);
  const identity = IDENTITY[target];
  // NOTE: the identity as a struct and IN, not a correlated EXISTS: DuckDB plans that as a hash join
  // with the new rows (100 ms over 3M current rows) instead of a group-by over every row (0.7-1.5 s).
  // Struct equality treats NULL fields as equal, as IS NOT DISTINCT FROM does.
  const tuple = (alias: string) =>
    `{${(identity ?? []).map((c) => `${quoteLiteral(c)}: ${alias}.${quoteIdent(c)}`).join(', ')}}`;
  const other =
    identity === null ? '' : ` OR ${tuple('o')} IN (SELECT ${tuple('n')} FROM ${t} AS n WHERE n.load_id = ${load})`;
  const eventTime = literal.instant(ctx.eventTime);
  const notNewer = laterLoads
    ? ` AND NOT EXISTS (SELECT 1 FROM ingest_log AS l WHERE l.id = o.load_id AND l.event_time > ${eventTime})`
    : '';
  const close = {
    sql: `UPDATE ${t} AS o SET valid_to = ${now} WHERE o.valid_to IS NULL AND o.load_id IS DISTINCT FROM ${load} AND (o.source_key = ${key}${other})${notNewer}`,
    params: [],
  };
  if (!laterLoads || identity === null) return [close];
  // n: this load's row; o: a current row of a later event with the same identity.
  const arriveClosed = {
    sql: `UPDATE ${t} AS n SET valid_to = n.valid_from WHERE n.load_id = ${load} AND n.valid_to IS NULL AND ${tuple('n')} IN (SELECT ${tuple('o')} FROM ${t} AS o JOIN ingest_log AS l ON l.id = o.load_id WHERE o.valid_to IS NULL AND l.event_time > ${eventTime})`,
    params: [],
  };
  return [close, arriveClosed];
}
