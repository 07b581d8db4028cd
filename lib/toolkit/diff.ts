// Schema diff (docs/toolkit.md#diff): the changes that turn schema `a` into schema `b`, as typed records with
// a semver label, destructive-change lint findings and the migration SQL DuckDB accepts. The comparison and
// the reconciling SQL are drift's (diffSchemas(b, a) is the SQL that turns a into b); this adds renames from
// explicit hints, comments, the semver labels and the lint.
import { quoteIdent, quoteLiteral } from '../warehouse/sql.ts';
import { type Drift, diffSchemas } from './drift.ts';
import type { SchemaModel, TableModel } from './model.ts';

export type Bump = 'major' | 'minor' | 'patch';

/** Whether a column type change keeps every value (`widening`), may lose some (`narrowing`). */
export type TypeDirection = 'widening' | 'narrowing';

/** One change from `a` to `b`. */
export type SchemaChange =
  | { readonly kind: 'rename_table'; readonly table: string; readonly to: string }
  | { readonly kind: 'rename_column'; readonly table: string; readonly column: string; readonly to: string }
  | { readonly kind: 'add_table'; readonly table: string }
  | { readonly kind: 'drop_table'; readonly table: string }
  | { readonly kind: 'add_column'; readonly table: string; readonly column: string; readonly type: string }
  | { readonly kind: 'drop_column'; readonly table: string; readonly column: string }
  | {
      readonly kind: 'change_type';
      readonly table: string;
      readonly column: string;
      readonly from: string;
      readonly to: string;
      readonly direction: TypeDirection;
    }
  | { readonly kind: 'set_not_null'; readonly table: string; readonly column: string }
  | { readonly kind: 'drop_not_null'; readonly table: string; readonly column: string }
  | { readonly kind: 'change_default'; readonly table: string; readonly column: string }
  | { readonly kind: 'add_constraint'; readonly table: string; readonly constraint: string }
  | { readonly kind: 'drop_constraint'; readonly table: string; readonly constraint: string }
  | { readonly kind: 'add_index'; readonly table: string; readonly index: string }
  | { readonly kind: 'drop_index'; readonly table: string; readonly index: string }
  | { readonly kind: 'change_index'; readonly table: string; readonly index: string }
  | { readonly kind: 'add_view'; readonly view: string }
  | { readonly kind: 'drop_view'; readonly view: string }
  | { readonly kind: 'change_view'; readonly view: string }
  | { readonly kind: 'add_enum'; readonly enum: string }
  | { readonly kind: 'drop_enum'; readonly enum: string }
  | { readonly kind: 'change_enum'; readonly enum: string }
  | { readonly kind: 'change_comment'; readonly table: string; readonly column: string | null };

export type ChangeKind = SchemaChange['kind'];

/** A change with its label, its sentence and the SQL that makes it (lines starting `--` are comments). */
export type DiffRecord = SchemaChange & {
  readonly bump: Bump;
  readonly message: string;
  readonly sql: readonly string[];
  /** False when DuckDB cannot do it in place and the SQL rebuilds the table (or only comments on it). */
  readonly inPlace: boolean;
};

/** `--rename` hints: a table renamed, or a column of a table (names as in `a`). */
export type RenameHint =
  | { readonly kind: 'table'; readonly table: string; readonly to: string }
  | { readonly kind: 'column'; readonly table: string; readonly column: string; readonly to: string };

export interface SchemaDiff {
  readonly records: readonly DiffRecord[];
  /** The largest bump of any record; null when a and b are the same schema. */
  readonly bump: Bump | null;
  /** Every record's statements in an order DuckDB runs them in. */
  readonly sql: readonly string[];
  readonly findings: readonly LintFinding[];
}

const RANK: Record<Bump, number> = { patch: 0, minor: 1, major: 2 };

/** The larger bump. */
export const maxBump = (x: Bump | null, y: Bump): Bump => (x === null || RANK[y] > RANK[x] ? y : x);

/**
 * Integer types by width; a move to a wider one (or a same-signed bigger one) keeps every value.
 * The table (docs/toolkit.md#diff): TINYINT < SMALLINT < INTEGER < BIGINT < HUGEINT, and the unsigned
 * UTINYINT < USMALLINT < UINTEGER < UBIGINT < UHUGEINT each fit the signed type one step wider;
 * FLOAT < DOUBLE; any integer -> DOUBLE and DECIMAL(p,s) -> DOUBLE widen (DOUBLE holds them, up to rounding
 * that DuckDB accepts as a cast); DECIMAL(p,s) -> DECIMAL(p2,s2) widens when s2 >= s and p2 - s2 >= p - s;
 * anything -> VARCHAR widens (every value has a text form); DATE -> TIMESTAMP, TIMESTAMP -> TIMESTAMPTZ
 * widen; everything else (and the reverse of each) narrows.
 */
const SIGNED = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT'];
const UNSIGNED = ['UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT'];
const WIDENS: ReadonlySet<string> = new Set(['FLOAT>DOUBLE', 'DATE>TIMESTAMP', 'TIMESTAMP>TIMESTAMP WITH TIME ZONE']);

/** Whether a column type change from `from` to `to` keeps every value (see the table above). */
export function typeDirection(from: string, to: string): TypeDirection {
  const f = from.toUpperCase();
  const t = to.toUpperCase();
  if (f === t || t === 'VARCHAR' || WIDENS.has(`${f}>${t}`)) return 'widening';
  const s = (x: string) => SIGNED.indexOf(x);
  const u = (x: string) => UNSIGNED.indexOf(x);
  if (s(f) >= 0 && s(t) > s(f)) return 'widening';
  if (u(f) >= 0 && u(t) > u(f)) return 'widening';
  if (u(f) >= 0 && s(t) > u(f)) return 'widening';
  const decimal = (x: string) => /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(x);
  const df = decimal(f);
  const dt = decimal(t);
  if (df && dt) {
    const [p, sc] = [Number(df[1]), Number(df[2])];
    const [p2, sc2] = [Number(dt[1]), Number(dt[2])];
    return sc2 >= sc && p2 - sc2 >= p - sc ? 'widening' : 'narrowing';
  }
  if (t === 'DOUBLE' && (s(f) >= 0 || u(f) >= 0 || df)) return 'widening';
  return 'narrowing';
}

/** The semver label of a change: MAJOR breaks readers or loses data, MINOR adds, PATCH constrains/annotates. */
export function bumpOf(c: SchemaChange): Bump {
  switch (c.kind) {
    case 'drop_table':
    case 'drop_column':
    case 'rename_table':
    case 'rename_column':
    case 'drop_view':
    case 'drop_enum':
    case 'change_enum':
      return 'major';
    case 'change_type':
      return c.direction === 'narrowing' ? 'major' : 'minor';
    case 'add_table':
    case 'add_column':
    case 'add_view':
    case 'add_enum':
    case 'drop_not_null':
    case 'change_view':
      return 'minor';
    case 'set_not_null':
    case 'change_default':
    case 'add_constraint':
    case 'drop_constraint':
    case 'add_index':
    case 'drop_index':
    case 'change_index':
    case 'change_comment':
      return 'patch';
    default: {
      const _: never = c;
      throw new Error(`unhandled change ${JSON.stringify(_)}`);
    }
  }
}

/**
 * A `--rename` hint: `table.old=table.new` or `old=new` (a table), `t.col=newcol` or `t.col=t.newcol` (a
 * column of table t); null when it is none of these.
 */
export function parseRenameHint(hint: string): RenameHint | null {
  const name = '([^.=\\s]+)';
  const bare = new RegExp(`^${name}=${name}$`).exec(hint);
  if (bare) return { kind: 'table', table: bare[1] as string, to: bare[2] as string };
  const full = new RegExp(`^${name}\\.${name}=(?:${name}\\.)?${name}$`).exec(hint);
  if (!full) return null;
  const [, t, old, t2, to] = full as unknown as [string, string, string, string | undefined, string];
  if (t === 'table' && t2 === 'table') return { kind: 'table', table: old, to };
  if (t2 !== undefined && t2 !== t) return null;
  return { kind: 'column', table: t, column: old, to };
}

/** `a` with the hinted renames made, and the rename records; a hint naming nothing in `a` is an error. */
function applyRenames(
  a: SchemaModel,
  b: SchemaModel,
  hints: readonly RenameHint[],
): { model: SchemaModel; records: DiffRecord[]; errors: string[]; liveNames: Map<string, string> } {
  let tables = [...a.tables];
  const records: DiffRecord[] = [];
  const errors: string[] = [];
  // Table renames first: a column hint names its table as a has it, which is then found under its new name.
  const ordered = [...hints].sort((x, y) => (x.kind === y.kind ? 0 : x.kind === 'table' ? -1 : 1));
  const current = new Map<string, string>();
  for (const h of ordered) {
    const name = current.get(h.table) ?? h.table;
    const i = tables.findIndex((t) => t.name === name);
    const t = tables[i];
    if (!t) {
      errors.push(`--rename: ${h.table} is not a table of a`);
      continue;
    }
    if (h.kind === 'table') {
      if (!b.tables.some((x) => x.name === h.to)) errors.push(`--rename: ${h.to} is not a table of b`);
      tables[i] = { ...t, name: h.to };
      current.set(h.table, h.to);
      const change: SchemaChange = { kind: 'rename_table', table: h.table, to: h.to };
      records.push({
        ...change,
        bump: bumpOf(change),
        message: `table ${h.table} renamed to ${h.to}`,
        sql: [`ALTER TABLE ${quoteIdent(h.table)} RENAME TO ${quoteIdent(h.to)}`],
        inPlace: true,
      });
    } else {
      if (!t.columns.some((c) => c.name === h.column)) {
        errors.push(`--rename: ${h.table}.${h.column} is not a column of a`);
        continue;
      }
      const renamed: TableModel = {
        ...t,
        columns: t.columns.map((c) => (c.name === h.column ? { ...c, name: h.to } : c)),
        constraints: t.constraints.map((k) => ({ ...k, columns: k.columns.map((c) => (c === h.column ? h.to : c)) })),
      };
      tables[i] = renamed;
      const change: SchemaChange = { kind: 'rename_column', table: name, column: h.column, to: h.to };
      records.push({
        ...change,
        bump: bumpOf(change),
        message: `column ${name}.${h.column} renamed to ${h.to}`,
        sql: [`ALTER TABLE ${quoteIdent(name)} RENAME COLUMN ${quoteIdent(h.column)} TO ${quoteIdent(h.to)}`],
        inPlace: true,
      });
    }
  }
  tables = tables.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return { model: { ...a, tables }, records, errors, liveNames: new Map([...current].map(([o, n]) => [n, o])) };
}

/** A drift record (expected = b, actual = a) as the change it makes from a to b. */
function changeOf(d: Drift, b: SchemaModel): SchemaChange {
  switch (d.kind) {
    case 'missing_table':
      return { kind: 'add_table', table: d.table };
    case 'extra_table':
      return { kind: 'drop_table', table: d.table };
    case 'missing_column': {
      const col = b.tables.find((t) => t.name === d.table)?.columns.find((c) => c.name === d.column);
      return { kind: 'add_column', table: d.table, column: d.column, type: col?.type ?? '' };
    }
    case 'extra_column':
      return { kind: 'drop_column', table: d.table, column: d.column };
    case 'column_type':
      return {
        kind: 'change_type',
        table: d.table,
        column: d.column,
        from: d.actual,
        to: d.expected,
        direction: typeDirection(d.actual, d.expected),
      };
    case 'column_nullability':
      return d.expected
        ? { kind: 'drop_not_null', table: d.table, column: d.column }
        : { kind: 'set_not_null', table: d.table, column: d.column };
    case 'column_default':
      return { kind: 'change_default', table: d.table, column: d.column };
    case 'missing_constraint':
      return { kind: 'add_constraint', table: d.table, constraint: constraintText(d.constraint) };
    case 'extra_constraint':
      return { kind: 'drop_constraint', table: d.table, constraint: constraintText(d.constraint) };
    case 'missing_index':
      return { kind: 'add_index', table: d.table, index: d.index };
    case 'extra_index':
      return { kind: 'drop_index', table: d.table, index: d.index };
    case 'index_differs':
      return { kind: 'change_index', table: d.table, index: d.index };
    case 'missing_view':
      return { kind: 'add_view', view: d.view };
    case 'extra_view':
      return { kind: 'drop_view', view: d.view };
    case 'view_differs':
      return { kind: 'change_view', view: d.view };
    case 'missing_enum':
      return { kind: 'add_enum', enum: d.enum };
    case 'extra_enum':
      return { kind: 'drop_enum', enum: d.enum };
    case 'enum_differs':
      return { kind: 'change_enum', enum: d.enum };
    default: {
      const _: never = d;
      throw new Error(`unhandled drift ${JSON.stringify(_)}`);
    }
  }
}

const constraintText = (c: { kind: string; columns: readonly string[]; expression: string | null }): string =>
  c.kind === 'CHECK' ? `CHECK ${c.expression ?? ''}` : `${c.kind} (${c.columns.join(', ')})`;

/** Drift's message reworded for a diff: what b does that a did not. */
function messageOf(c: SchemaChange): string {
  switch (c.kind) {
    case 'rename_table':
      return `table ${c.table} renamed to ${c.to}`;
    case 'rename_column':
      return `column ${c.table}.${c.column} renamed to ${c.to}`;
    case 'add_table':
      return `table ${c.table} added`;
    case 'drop_table':
      return `table ${c.table} dropped`;
    case 'add_column':
      return `column ${c.table}.${c.column} (${c.type}) added`;
    case 'drop_column':
      return `column ${c.table}.${c.column} dropped`;
    case 'change_type':
      return `column ${c.table}.${c.column} ${c.from} -> ${c.to} (${c.direction})`;
    case 'set_not_null':
      return `column ${c.table}.${c.column} becomes NOT NULL`;
    case 'drop_not_null':
      return `column ${c.table}.${c.column} allows NULL`;
    case 'change_default':
      return `column ${c.table}.${c.column} has another default`;
    case 'add_constraint':
      return `${c.table} gains ${c.constraint}`;
    case 'drop_constraint':
      return `${c.table} loses ${c.constraint}`;
    case 'add_index':
      return `index ${c.index} on ${c.table} added`;
    case 'drop_index':
      return `index ${c.index} on ${c.table} dropped`;
    case 'change_index':
      return `index ${c.index} on ${c.table} redefined`;
    case 'add_view':
      return `view ${c.view} added`;
    case 'drop_view':
      return `view ${c.view} dropped`;
    case 'change_view':
      return `view ${c.view} redefined`;
    case 'add_enum':
      return `type ${c.enum} added`;
    case 'drop_enum':
      return `type ${c.enum} dropped`;
    case 'change_enum':
      return `type ${c.enum} has other labels`;
    case 'change_comment':
      return c.column === null ? `comment on table ${c.table} changed` : `comment on ${c.table}.${c.column} changed`;
    default: {
      const _: never = c;
      throw new Error(`unhandled change ${JSON.stringify(_)}`);
    }
  }
}

/** COMMENT ON for every table and column whose comment differs (drift does not compare comments). */
function commentRecords(a: SchemaModel, b: SchemaModel): DiffRecord[] {
  const out: DiffRecord[] = [];
  const lit = (s: string | null) => (s === null ? 'NULL' : quoteLiteral(s));
  for (const t of b.tables) {
    const old = a.tables.find((x) => x.name === t.name);
    if (!old) continue;
    const push = (column: string | null, sql: string) => {
      const change: SchemaChange = { kind: 'change_comment', table: t.name, column };
      out.push({ ...change, bump: bumpOf(change), message: messageOf(change), sql: [sql], inPlace: true });
    };
    if ((old.comment ?? null) !== (t.comment ?? null))
      push(null, `COMMENT ON TABLE ${quoteIdent(t.name)} IS ${lit(t.comment)}`);
    for (const c of t.columns) {
      const oc = old.columns.find((x) => x.name === c.name);
      if (oc && (oc.comment ?? null) !== (c.comment ?? null))
        push(c.name, `COMMENT ON COLUMN ${quoteIdent(t.name)}.${quoteIdent(c.name)} IS ${lit(c.comment)}`);
    }
  }
  return out;
}

/** Changes made by ALTER TABLE (or a rebuild) on an existing table. */
const ALTERS: ReadonlySet<ChangeKind> = new Set<ChangeKind>([
  'rename_column',
  'drop_column',
  'add_column',
  'change_type',
  'set_not_null',
  'drop_not_null',
  'change_default',
  'add_constraint',
  'drop_constraint',
]);
const INDEX_STATEMENT = /^\s*(DROP\s+INDEX|CREATE\s+(UNIQUE\s+)?INDEX)\b/i;

/** Where a record's statements go: enums and view drops first, then tables, then views and enum drops. */
function phaseOf(r: DiffRecord): number {
  switch (r.kind) {
    case 'add_enum':
      return 0;
    case 'drop_view':
    case 'change_view':
      return 1;
    case 'rename_table':
    case 'rename_column':
      return 2;
    case 'add_view':
      return 4;
    case 'drop_enum':
    case 'change_enum':
      return 5;
    case 'change_comment':
      return 6;
    default:
      return 3;
  }
}

/**
 * The changes that turn `a` into `b`, each with its semver label and SQL, renames taken only from `renames`
 * (otherwise a renamed column is a drop plus an add). `errors` lists hints naming nothing.
 */
export function diffSchema(
  a: SchemaModel,
  b: SchemaModel,
  renames: readonly RenameHint[] = [],
): SchemaDiff & { readonly errors: readonly string[] } {
  const renamed = applyRenames(a, b, renames);
  const drift = diffSchemas(b, renamed.model);
  const records: DiffRecord[] = [...renamed.records];
  const viewSql: string[] = [];
  for (const d of drift) {
    const change = changeOf(d, b);
    // A changed view is dropped before the tables change and created again after (it may read them).
    if (change.kind === 'change_view') {
      viewSql.push(...d.sql);
      records.push({
        ...change,
        bump: bumpOf(change),
        message: messageOf(change),
        sql: [`DROP VIEW IF EXISTS ${quoteIdent(change.view)}`],
        inPlace: d.inPlace,
      });
      continue;
    }
    records.push({ ...change, bump: bumpOf(change), message: messageOf(change), sql: d.sql, inPlace: d.inPlace });
  }
  records.push(...commentRecords(renamed.model, b));
  const ordered = [...records].sort((x, y) => phaseOf(x) - phaseOf(y));
  // NOTE: DuckDB refuses ALTER TABLE (even SET NOT NULL on a column just added, or RENAME COLUMN) on a table
  // with an index. Drift wraps only some statements; here every table altered loses all its indexes first and
  // gets b's back at the end, and the records' own index statements for it are left out.
  const touched = new Set(
    records
      .filter((r) => 'table' in r && ALTERS.has(r.kind))
      .map((r) => (r as { table: string }).table)
      .filter((t) => (renamed.model.tables.find((x) => x.name === t)?.indexes.length ?? 0) > 0),
  );
  const statements = (r: DiffRecord) =>
    'table' in r && touched.has(r.table) ? r.sql.filter((s) => !INDEX_STATEMENT.test(s)) : r.sql;
  const inPhase = (test: (phase: number) => boolean) => ordered.filter((r) => test(phaseOf(r))).flatMap(statements);
  const touchedTables = [...touched].sort();
  const sql = [
    ...inPhase((p) => p < 2),
    ...touchedTables.flatMap((t) =>
      (renamed.model.tables.find((x) => x.name === t)?.indexes ?? []).map(
        (i) => `DROP INDEX IF EXISTS ${quoteIdent(i.name)}`,
      ),
    ),
    ...inPhase((p) => p >= 2 && p < 4),
    ...touchedTables.flatMap((t) =>
      (b.tables.find((x) => x.name === t)?.indexes ?? []).map((i) => i.sql.trim().replace(/;$/, '')),
    ),
    ...viewSql,
    ...inPhase((p) => p >= 4),
  ];
  let bump: Bump | null = null;
  for (const r of records) bump = maxBump(bump, r.bump);
  return { records, bump, sql, findings: lintRecords(records, renamed.liveNames), errors: renamed.errors };
}

/** A destructive change: what may be lost, and, when checked against live data, how many rows it affects. */
export interface LintFinding {
  readonly kind: 'data_loss' | 'not_null_over_nulls' | 'narrowing_cast';
  readonly table: string;
  readonly column: string | null;
  readonly message: string;
  /** The query that counts the affected rows of `a`'s data (one row, column `n`). */
  readonly query: string;
  /** Null until counted against live data ("possible"); then the rows affected. */
  readonly rows: number | null;
}

/** The destructive records among `records`, each with the query that counts what it would lose. */
export function lintRecords(
  records: readonly DiffRecord[],
  liveNames: ReadonlyMap<string, string> = new Map(),
): LintFinding[] {
  // a's rows are under a's table names: a renamed table is counted under its old one.
  const from = (table: string) => quoteIdent(liveNames.get(table) ?? table);
  const out: LintFinding[] = [];
  for (const r of records) {
    switch (r.kind) {
      case 'drop_table':
        out.push({
          kind: 'data_loss',
          table: r.table,
          column: null,
          message: `dropping table ${r.table} deletes its rows`,
          query: `SELECT count(*) AS n FROM ${from(r.table)}`,
          rows: null,
        });
        break;
      case 'drop_column':
        out.push({
          kind: 'data_loss',
          table: r.table,
          column: r.column,
          message: `dropping column ${r.table}.${r.column} deletes its values (a rename needs --rename ${r.table}.${r.column}=<new>)`,
          query: `SELECT count(*) AS n FROM ${from(r.table)} WHERE ${quoteIdent(r.column)} IS NOT NULL`,
          rows: null,
        });
        break;
      case 'set_not_null':
        out.push({
          kind: 'not_null_over_nulls',
          table: r.table,
          column: r.column,
          message: `NOT NULL on ${r.table}.${r.column} fails while rows hold NULL there`,
          query: `SELECT count(*) AS n FROM ${from(r.table)} WHERE ${quoteIdent(r.column)} IS NULL`,
          rows: null,
        });
        break;
      case 'change_type':
        if (r.direction === 'narrowing')
          out.push({
            kind: 'narrowing_cast',
            table: r.table,
            column: r.column,
            message: `${r.table}.${r.column} ${r.from} -> ${r.to} fails on values that do not fit`,
            query: `SELECT count(*) FILTER (WHERE TRY_CAST(${quoteIdent(r.column)} AS ${r.to}) IS NULL AND ${quoteIdent(r.column)} IS NOT NULL) AS n FROM ${from(r.table)}`,
            rows: null,
          });
        break;
      default:
        break;
    }
  }
  return out;
}

/** The one line of a finding: "possible" without data, the count with it. */
export function describeFinding(f: LintFinding): string {
  if (f.rows === null) return `possible: ${f.message}`;
  return f.rows === 0
    ? `safe on current data (0 rows): ${f.message}`
    : `${f.rows} row${f.rows === 1 ? '' : 's'}: ${f.message}`;
}

/** A finding is blocking when live data shows rows it would lose or fail on. */
export const isBlocking = (f: LintFinding): boolean => f.rows !== null && f.rows > 0;

/** `findings` counted against `query` (a's live data): each one's query run, its count filled in. */
export async function countFindings(
  query: (sql: string) => Promise<readonly Record<string, unknown>[]>,
  findings: readonly LintFinding[],
): Promise<LintFinding[]> {
  const out: LintFinding[] = [];
  for (const f of findings) {
    const [row] = await query(f.query);
    out.push({ ...f, rows: Number(row?.n ?? 0) });
  }
  return out;
}
