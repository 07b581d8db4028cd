// Schema drift (docs/toolkit.md#drift): what differs between the schema the migrations define (expected) and
// the live database's (actual), as typed records, each with a message and the SQL that would bring the live
// database back in line with the migrations. Pure: both sides are SchemaModels, however they were read.
import { compareCodePoints } from '../core/order.ts';
import { quoteIdent, quoteLiteral } from '../warehouse/sql.ts';
import type {
  ColumnModel,
  ConstraintModel,
  EnumModel,
  IndexModel,
  SchemaModel,
  TableModel,
  ViewModel,
} from './model.ts';

/** What differs, without its message and SQL. */
export type DriftChange =
  | { readonly kind: 'missing_table'; readonly table: string }
  | { readonly kind: 'extra_table'; readonly table: string }
  | { readonly kind: 'missing_view'; readonly view: string; readonly generated: number | null }
  | { readonly kind: 'extra_view'; readonly view: string }
  | {
      readonly kind: 'view_differs';
      readonly view: string;
      readonly generated: number | null;
      readonly expected: string;
      readonly actual: string;
    }
  | { readonly kind: 'missing_column'; readonly table: string; readonly column: string }
  | { readonly kind: 'extra_column'; readonly table: string; readonly column: string }
  | {
      readonly kind: 'column_type';
      readonly table: string;
      readonly column: string;
      readonly expected: string;
      readonly actual: string;
    }
  | {
      readonly kind: 'column_nullability';
      readonly table: string;
      readonly column: string;
      readonly expected: boolean;
      readonly actual: boolean;
    }
  | {
      readonly kind: 'column_default';
      readonly table: string;
      readonly column: string;
      readonly expected: string | null;
      readonly actual: string | null;
    }
  | { readonly kind: 'missing_constraint'; readonly table: string; readonly constraint: ConstraintModel }
  | { readonly kind: 'extra_constraint'; readonly table: string; readonly constraint: ConstraintModel }
  | { readonly kind: 'missing_index'; readonly table: string; readonly index: string }
  | { readonly kind: 'extra_index'; readonly table: string; readonly index: string }
  | {
      readonly kind: 'index_differs';
      readonly table: string;
      readonly index: string;
      readonly expected: string;
      readonly actual: string;
    }
  | { readonly kind: 'missing_enum'; readonly enum: string }
  | { readonly kind: 'extra_enum'; readonly enum: string }
  | {
      readonly kind: 'enum_differs';
      readonly enum: string;
      readonly expected: readonly string[];
      readonly actual: readonly string[];
    };

export type DriftKind = DriftChange['kind'];

/** One difference, with what it means and how to reconcile it. */
export type Drift = DriftChange & {
  /** One line for a person. */
  readonly message: string;
  /**
   * Statements that bring the live database toward the migrations, in order. Lines starting with `--` are
   * comments (why DuckDB cannot do it in place, or that another record's statements cover it).
   */
  readonly sql: readonly string[];
  /** Whether `sql` alters the live database in place (false: a table rebuild, or only a comment). */
  readonly inPlace: boolean;
};

export interface DriftOptions {
  /**
   * Views the live database has because a schema snapshot generated them (typed views, annotations_current),
   * by name: the version of the snapshot that defines them. Their expected definitions are in `expected`.
   */
  readonly generated?: ReadonlyMap<string, number>;
}

/** Where a record belongs when records are listed by object: `table x`, `view y`, `enum z`. */
export function subjectOf(d: DriftChange): string {
  if ('table' in d) return `table ${d.table}`;
  if ('view' in d) return `view ${d.view}`;
  return `enum ${d.enum}`;
}

const byName = <T extends { readonly name: string }>(items: readonly T[]): Map<string, T> =>
  new Map(items.map((i) => [i.name, i]));

const sortedNames = (a: Iterable<string>, b: Iterable<string>): string[] =>
  [...new Set([...a, ...b])].sort(compareCodePoints);

/** The differences from `expected` (the migrations) to `actual` (live), by object name, tables first. */
export function diffSchemas(expected: SchemaModel, actual: SchemaModel, options: DriftOptions = {}): Drift[] {
  const generated = options.generated ?? new Map<string, number>();
  const changes: DriftChange[] = [];
  const et = byName(expected.tables);
  const at = byName(actual.tables);
  for (const name of sortedNames(et.keys(), at.keys())) {
    const e = et.get(name);
    const a = at.get(name);
    if (e && !a) changes.push({ kind: 'missing_table', table: name });
    else if (a && !e) changes.push({ kind: 'extra_table', table: name });
    else if (e && a) changes.push(...diffTable(e, a));
  }
  const ev = byName(expected.views);
  const av = byName(actual.views);
  for (const name of sortedNames(ev.keys(), av.keys())) {
    const e = ev.get(name);
    const a = av.get(name);
    const version = generated.get(name) ?? null;
    if (e && !a) changes.push({ kind: 'missing_view', view: name, generated: version });
    else if (a && !e) changes.push({ kind: 'extra_view', view: name });
    else if (e && a && normaliseSql(e.sql) !== normaliseSql(a.sql))
      changes.push({ kind: 'view_differs', view: name, generated: version, expected: e.sql, actual: a.sql });
  }
  const ee = byName(expected.enums);
  const ae = byName(actual.enums);
  for (const name of sortedNames(ee.keys(), ae.keys())) {
    const e = ee.get(name);
    const a = ae.get(name);
    if (e && !a) changes.push({ kind: 'missing_enum', enum: name });
    else if (a && !e) changes.push({ kind: 'extra_enum', enum: name });
    else if (e && a && JSON.stringify(e.labels) !== JSON.stringify(a.labels))
      changes.push({ kind: 'enum_differs', enum: name, expected: e.labels, actual: a.labels });
  }
  const rebuilt = new Set<string>();
  return changes.map((c) => ({ ...c, ...explain(c, expected, actual, rebuilt) }));
}

function diffTable(e: TableModel, a: TableModel): DriftChange[] {
  const table = e.name;
  const out: DriftChange[] = [];
  const ec = byName(e.columns);
  const ac = byName(a.columns);
  // Expected columns in table order, then the extra ones in theirs.
  for (const col of e.columns) {
    const live = ac.get(col.name);
    if (!live) {
      out.push({ kind: 'missing_column', table, column: col.name });
      continue;
    }
    if (col.type !== live.type)
      out.push({ kind: 'column_type', table, column: col.name, expected: col.type, actual: live.type });
    if (col.nullable !== live.nullable)
      out.push({ kind: 'column_nullability', table, column: col.name, expected: col.nullable, actual: live.nullable });
    if (col.default !== live.default)
      out.push({ kind: 'column_default', table, column: col.name, expected: col.default, actual: live.default });
  }
  for (const col of a.columns) if (!ec.has(col.name)) out.push({ kind: 'extra_column', table, column: col.name });
  const liveKeys = new Set(a.constraints.map(constraintKey));
  const expectedKeys = new Set(e.constraints.map(constraintKey));
  for (const c of e.constraints)
    if (!liveKeys.has(constraintKey(c))) out.push({ kind: 'missing_constraint', table, constraint: c });
  for (const c of a.constraints)
    if (!expectedKeys.has(constraintKey(c))) out.push({ kind: 'extra_constraint', table, constraint: c });
  const ei = byName(e.indexes);
  const ai = byName(a.indexes);
  for (const name of sortedNames(ei.keys(), ai.keys())) {
    const x = ei.get(name);
    const y = ai.get(name);
    if (x && !y) out.push({ kind: 'missing_index', table, index: name });
    else if (y && !x) out.push({ kind: 'extra_index', table, index: name });
    else if (x && y && normaliseSql(x.sql) !== normaliseSql(y.sql))
      out.push({ kind: 'index_differs', table, index: name, expected: x.sql, actual: y.sql });
  }
  return out;
}

const constraintKey = (c: ConstraintModel): string =>
  JSON.stringify([c.kind, c.columns, c.expression, c.references?.table ?? null, c.references?.columns ?? null]);

/** Stored CREATE statements compared without their trailing `;` and runs of white space. */
/**
 * View SQL as DuckDB prints it, made comparable: DuckDB's printer is not idempotent (a cast printed
 * `AS DOUBLE` the first time is `AS "DOUBLE"` after another parse), so a quoted upper-case name after AS
 * counts as unquoted, on both sides alike.
 */
const normaliseSql = (sql: string): string =>
  sql
    .trim()
    .replace(/;$/, '')
    .replace(/\s+/g, ' ')
    .replace(/\bAS "([A-Z][A-Z0-9_]*)"/g, 'AS $1');

/** The constraint as a clause of CREATE TABLE. */
export function constraintSql(c: ConstraintModel): string {
  const cols = c.columns.map(quoteIdent).join(', ');
  switch (c.kind) {
    case 'PRIMARY KEY':
      return `PRIMARY KEY (${cols})`;
    case 'UNIQUE':
      return `UNIQUE (${cols})`;
    case 'CHECK':
      return `CHECK (${c.expression ?? 'true'})`;
    case 'FOREIGN KEY':
      return `FOREIGN KEY (${cols}) REFERENCES ${quoteIdent(c.references?.table ?? '')} (${(c.references?.columns ?? []).map(quoteIdent).join(', ')})`;
    default:
      return assertNever(c.kind);
  }
}

function columnSql(c: ColumnModel): string {
  return `${quoteIdent(c.name)} ${c.type}${c.default === null ? '' : ` DEFAULT ${c.default}`}${c.nullable ? '' : ' NOT NULL'}`;
}

/** CREATE TABLE for the table as the model has it (under `as`, when given), then its indexes. */
export function createTableSql(t: TableModel, as: string = t.name): string[] {
  const lines = [...t.columns.map(columnSql), ...t.constraints.map(constraintSql)];
  return [`CREATE TABLE ${quoteIdent(as)} (\n  ${lines.join(',\n  ')}\n)`, ...t.indexes.map(indexSql)];
}

const indexSql = (i: IndexModel): string => i.sql.trim().replace(/;$/, '');

/** The view's stored CREATE statement as one that replaces it. */
const replaceViewSql = (v: ViewModel): string =>
  v.sql
    .trim()
    .replace(/;$/, '')
    .replace(/^CREATE\s+(OR\s+REPLACE\s+)?VIEW/i, 'CREATE OR REPLACE VIEW');

const createEnumSql = (e: EnumModel): string =>
  `CREATE TYPE ${quoteIdent(e.name)} AS ENUM (${e.labels.map(quoteLiteral).join(', ')})`;

/**
 * The live table rebuilt as the migrations define it: a new table, the rows of the columns both have copied,
 * the old one dropped and the new one renamed (a table other tables reference by FOREIGN KEY cannot be
 * dropped: those must go first).
 */
export function rebuildTableSql(e: TableModel, a: TableModel): string[] {
  const temp = `${e.name}__rebuild`;
  const live = new Set(a.columns.map((c) => c.name));
  const shared = e.columns.filter((c) => live.has(c.name)).map((c) => quoteIdent(c.name));
  const [create, ...indexes] = createTableSql({ ...e, indexes: [] }, temp);
  return [
    create as string,
    `INSERT INTO ${quoteIdent(temp)} (${shared.join(', ')}) SELECT ${shared.join(', ')} FROM ${quoteIdent(e.name)}`,
    `DROP TABLE ${quoteIdent(e.name)}`,
    `ALTER TABLE ${quoteIdent(temp)} RENAME TO ${quoteIdent(e.name)}`,
    ...indexes,
    ...e.indexes.map(indexSql),
  ];
}

interface Explained {
  readonly message: string;
  readonly sql: readonly string[];
  readonly inPlace: boolean;
}

const REBUILD_NOTE = (what: string) =>
  `-- DuckDB cannot ${what} in place: rebuild the table (copies the rows; drop the tables that reference it by FOREIGN KEY first)`;

function explain(c: DriftChange, expected: SchemaModel, actual: SchemaModel, rebuilt: Set<string>): Explained {
  const table = (m: SchemaModel, name: string) => m.tables.find((t) => t.name === name) as TableModel;
  const t = (name: string) => quoteIdent(name);
  /** The rebuild of a table, once: later records of the same table point to the first. */
  const rebuild = (name: string, what: string): Explained['sql'] => {
    if (rebuilt.has(name)) return [`-- covered by the rebuild of ${name} above`];
    rebuilt.add(name);
    return [REBUILD_NOTE(what), ...rebuildTableSql(table(expected, name), table(actual, name))];
  };
  /**
   * NOTE: DuckDB refuses most ALTER TABLE on a table with an index ("entries that depend on it"): its indexes
   * are dropped first and those the migrations keep are created again after.
   */
  const aroundIndexes = (name: string, statements: readonly string[]): string[] => {
    const live = table(actual, name).indexes;
    if (live.length === 0) return [...statements];
    const kept = new Set(table(expected, name).indexes.map((i) => i.name));
    return [
      ...live.map((i) => `DROP INDEX IF EXISTS ${t(i.name)}`),
      ...statements,
      ...live.filter((i) => kept.has(i.name)).map(indexSql),
    ];
  };
  switch (c.kind) {
    case 'missing_table':
      return {
        message: `table ${c.table} is missing`,
        sql: createTableSql(table(expected, c.table)),
        inPlace: true,
      };
    case 'extra_table':
      return {
        message: `table ${c.table} is not in the migrations`,
        sql: [`DROP TABLE ${t(c.table)}`],
        inPlace: true,
      };
    case 'missing_view': {
      const v = expected.views.find((x) => x.name === c.view) as ViewModel;
      return {
        message:
          c.generated === null
            ? `view ${c.view} is missing`
            : `view ${c.view} is missing (generated by schema snapshot ${c.generated})`,
        sql: [replaceViewSql(v)],
        inPlace: true,
      };
    }
    case 'extra_view':
      return {
        message: `view ${c.view} is neither in the migrations nor generated by the latest schema snapshot`,
        sql: [`DROP VIEW ${t(c.view)}`],
        inPlace: true,
      };
    case 'view_differs': {
      const v = expected.views.find((x) => x.name === c.view) as ViewModel;
      return {
        message:
          c.generated === null
            ? `view ${c.view} differs from the migrations' definition`
            : `view ${c.view} differs from the definition in schema snapshot ${c.generated}`,
        sql: [replaceViewSql(v)],
        inPlace: true,
      };
    }
    case 'missing_column': {
      const col = table(expected, c.table).columns.find((x) => x.name === c.column) as ColumnModel;
      const add = `ALTER TABLE ${t(c.table)} ADD COLUMN ${quoteIdent(col.name)} ${col.type}${col.default === null ? '' : ` DEFAULT ${col.default}`}`;
      return {
        message: `column ${c.table}.${c.column} (${col.type}) is missing`,
        sql: col.nullable
          ? [add]
          : [add, `ALTER TABLE ${t(c.table)} ALTER COLUMN ${quoteIdent(col.name)} SET NOT NULL`],
        inPlace: true,
      };
    }
    case 'extra_column':
      return {
        message: `column ${c.table}.${c.column} is not in the migrations`,
        sql: aroundIndexes(c.table, [`ALTER TABLE ${t(c.table)} DROP COLUMN ${quoteIdent(c.column)}`]),
        inPlace: true,
      };
    case 'column_type': {
      const constrained = [table(expected, c.table), table(actual, c.table)].some((x) =>
        x.constraints.some((k) => k.kind !== 'FOREIGN KEY' && k.columns.includes(c.column)),
      );
      const message = `column ${c.table}.${c.column} is ${c.actual}, the migrations say ${c.expected}`;
      if (constrained)
        return { message, sql: rebuild(c.table, 'change the type of a column that has a constraint'), inPlace: false };
      return {
        message,
        sql: aroundIndexes(c.table, [
          `ALTER TABLE ${t(c.table)} ALTER COLUMN ${quoteIdent(c.column)} TYPE ${c.expected}`,
        ]),
        inPlace: true,
      };
    }
    case 'column_nullability':
      return {
        message: c.expected
          ? `column ${c.table}.${c.column} is NOT NULL, the migrations allow NULL`
          : `column ${c.table}.${c.column} allows NULL, the migrations say NOT NULL`,
        sql: aroundIndexes(c.table, [
          `ALTER TABLE ${t(c.table)} ALTER COLUMN ${quoteIdent(c.column)} ${c.expected ? 'DROP' : 'SET'} NOT NULL`,
        ]),
        inPlace: true,
      };
    case 'column_default':
      return {
        message: `column ${c.table}.${c.column} defaults to ${c.actual ?? 'nothing'}, the migrations say ${c.expected ?? 'nothing'}`,
        sql: [
          `ALTER TABLE ${t(c.table)} ALTER COLUMN ${quoteIdent(c.column)} ${c.expected === null ? 'DROP DEFAULT' : `SET DEFAULT ${c.expected}`}`,
        ],
        inPlace: true,
      };
    case 'missing_constraint': {
      const message = `${c.table} lacks ${constraintSql(c.constraint)}`;
      // A PRIMARY KEY is the one constraint DuckDB adds to an existing table.
      if (
        c.constraint.kind === 'PRIMARY KEY' &&
        !actual.tables.find((x) => x.name === c.table)?.constraints.some((k) => k.kind === 'PRIMARY KEY')
      )
        return {
          message,
          sql: aroundIndexes(c.table, [`ALTER TABLE ${t(c.table)} ADD ${constraintSql(c.constraint)}`]),
          inPlace: true,
        };
      return {
        message,
        sql: rebuild(c.table, `add a ${c.constraint.kind} constraint to an existing table`),
        inPlace: false,
      };
    }
    case 'extra_constraint':
      return {
        message: `${c.table} has ${constraintSql(c.constraint)}, which the migrations do not define`,
        sql: rebuild(c.table, `drop a ${c.constraint.kind} constraint from a table`),
        inPlace: false,
      };
    case 'missing_index': {
      const i = table(expected, c.table).indexes.find((x) => x.name === c.index) as IndexModel;
      return { message: `index ${c.index} on ${c.table} is missing`, sql: [indexSql(i)], inPlace: true };
    }
    case 'extra_index':
      return {
        message: `index ${c.index} on ${c.table} is not in the migrations`,
        sql: [`DROP INDEX IF EXISTS ${t(c.index)}`],
        inPlace: true,
      };
    case 'index_differs':
      return {
        message: `index ${c.index} on ${c.table} differs from the migrations' definition`,
        sql: [`DROP INDEX IF EXISTS ${t(c.index)}`, indexSql({ name: c.index, unique: false, sql: c.expected })],
        inPlace: true,
      };
    case 'missing_enum':
      return {
        message: `type ${c.enum} is missing`,
        sql: [createEnumSql(expected.enums.find((e) => e.name === c.enum) as EnumModel)],
        inPlace: true,
      };
    case 'extra_enum':
      return {
        message: `type ${c.enum} is not in the migrations`,
        sql: [`DROP TYPE ${t(c.enum)}`],
        inPlace: true,
      };
    case 'enum_differs':
      return {
        message: `type ${c.enum} has labels ${c.actual.map(quoteLiteral).join(', ')}, the migrations say ${c.expected.map(quoteLiteral).join(', ')}`,
        sql: [
          `-- DuckDB cannot change an ENUM's labels in place: the columns of type ${c.enum} must be rebuilt with the new type`,
          `-- ${createEnumSql({ name: c.enum, labels: c.expected })}`,
        ],
        inPlace: false,
      };
    default:
      return assertNever(c);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled drift: ${JSON.stringify(value)}`);
}
