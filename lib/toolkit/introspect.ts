// Reads a warehouse schema into the toolkit's model (model.ts) with DuckDB's catalog functions only
// (duckdb_tables, duckdb_columns, duckdb_constraints, duckdb_indexes, duckdb_views, duckdb_types): MotherDuck's
// Postgres endpoint has no pg_catalog, and these answer the same there as on the embedded warehouse.
import { z } from 'zod';
import type { WarehouseSession } from '../warehouse/port.ts';
import type { ColumnModel, ConstraintKind, ConstraintModel, SchemaModel, TableModel } from './model.ts';

export interface IntrospectOptions {
  /** The schema to read (default `main`). */
  readonly schema?: string;
}

const text = z.string().nullable();
const TableRow = z.object({ table_name: z.string(), comment: text });
const ColumnRow = z.object({
  table_name: z.string(),
  column_name: z.string(),
  column_index: z.coerce.number(),
  comment: text,
  column_default: text,
  is_nullable: z.boolean(),
  data_type: z.string(),
});
const ConstraintRow = z.object({
  table_name: z.string(),
  constraint_index: z.coerce.number(),
  constraint_type: z.string(),
  expression: text,
  constraint_column_names: z.array(z.string()),
  referenced_table: text,
  referenced_column_names: z.array(z.string()).nullable(),
});
const IndexRow = z.object({ table_name: z.string(), index_name: z.string(), is_unique: z.boolean(), sql: text });
const ViewRow = z.object({ view_name: z.string(), comment: text, sql: text });
const EnumRow = z.object({ type_name: z.string(), labels: z.array(z.string()).nullable() });

const KINDS = new Set<string>(['PRIMARY KEY', 'UNIQUE', 'CHECK', 'FOREIGN KEY']);

/** The current database's schema `main` (or `options.schema`), tables and views by name. */
export async function introspect(db: WarehouseSession, options: IntrospectOptions = {}): Promise<SchemaModel> {
  const schema = options.schema ?? 'main';
  const where = `database_name = current_database() AND schema_name = $1::VARCHAR`;
  const params = [schema];
  const [tables, columns, constraints, indexes, views, enums] = [
    (
      await db.query(
        `SELECT table_name, comment FROM duckdb_tables() WHERE ${where} AND NOT internal AND NOT temporary ORDER BY table_name`,
        params,
      )
    ).map((r) => TableRow.parse(r)),
    (
      await db.query(
        `SELECT table_name, column_name, column_index, comment, column_default, is_nullable, data_type
           FROM duckdb_columns() WHERE ${where} AND NOT internal ORDER BY table_name, column_index`,
        params,
      )
    ).map((r) => ColumnRow.parse(r)),
    (
      await db.query(
        `SELECT table_name, constraint_index, constraint_type, expression, constraint_column_names, referenced_table,
                referenced_column_names
           FROM duckdb_constraints() WHERE ${where} ORDER BY table_name, constraint_index`,
        params,
      )
    ).map((r) => ConstraintRow.parse(r)),
    (
      await db.query(
        `SELECT table_name, index_name, is_unique, sql FROM duckdb_indexes() WHERE ${where} ORDER BY table_name, index_name`,
        params,
      )
    ).map((r) => IndexRow.parse(r)),
    (
      await db.query(
        `SELECT view_name, comment, sql FROM duckdb_views() WHERE ${where} AND NOT internal AND NOT temporary ORDER BY view_name`,
        params,
      )
    ).map((r) => ViewRow.parse(r)),
    (
      await db.query(
        `SELECT type_name, labels FROM duckdb_types() WHERE ${where} AND NOT internal AND logical_type = 'ENUM' ORDER BY type_name`,
        params,
      )
    ).map((r) => EnumRow.parse(r)),
  ];
  const columnsOf = new Map<string, ColumnModel[]>();
  for (const c of columns) {
    const list = columnsOf.get(c.table_name) ?? [];
    list.push({
      name: c.column_name,
      type: c.data_type,
      nullable: c.is_nullable,
      default: c.column_default,
      comment: c.comment,
    });
    columnsOf.set(c.table_name, list);
  }
  const constraintsOf = new Map<string, ConstraintModel[]>();
  for (const c of constraints) {
    if (!KINDS.has(c.constraint_type)) continue;
    const list = constraintsOf.get(c.table_name) ?? [];
    list.push({
      kind: c.constraint_type as ConstraintKind,
      columns: c.constraint_column_names,
      expression: c.constraint_type === 'CHECK' ? c.expression : null,
      references:
        c.constraint_type === 'FOREIGN KEY' && c.referenced_table
          ? { table: c.referenced_table, columns: c.referenced_column_names ?? [] }
          : null,
    });
    constraintsOf.set(c.table_name, list);
  }
  const outTables: TableModel[] = tables.map((t) => ({
    name: t.table_name,
    comment: t.comment,
    columns: columnsOf.get(t.table_name) ?? [],
    constraints: constraintsOf.get(t.table_name) ?? [],
    indexes: indexes
      .filter((i) => i.table_name === t.table_name)
      .map((i) => ({ name: i.index_name, unique: i.is_unique, sql: i.sql ?? '' })),
  }));
  return {
    tables: outTables,
    views: views.map((v) => ({
      name: v.view_name,
      comment: v.comment,
      sql: v.sql ?? '',
      columns: columnsOf.get(v.view_name) ?? [],
    })),
    enums: enums.map((e) => ({ name: e.type_name, labels: e.labels ?? [] })),
  };
}
