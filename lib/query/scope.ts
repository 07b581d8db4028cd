// What a query sees, per mode (docs/query.md#modes): temporary views of one connection that shadow the core
// and catalog tables (each reading its base table as `<catalog>.main.<table>`) and the typed views of the
// snapshot in force, so the user's SQL names plain tables and stays unchanged. They are created inside a
// transaction that is always rolled back, so nothing outlives the query on a pooled connection.
import { TABLES } from '../schema/tables.ts';
import { quoteIdent, quoteLiteral } from '../warehouse/sql.ts';
import { tempViewSql, type ViewDefinition } from './views.ts';

/** `live`: current rows; `as_of`: rows as they stood at the instant (time_travel, and snapshot at its publication). */
export type Scope = { readonly kind: 'live' } | { readonly kind: 'as_of'; readonly at: Date };

/** The core tables: versioned rows (valid_from / valid_to). */
const CORE = TABLES.filter((t) => t.group === 'core').map((t) => t.name);

/**
 * The catalog tables hold their current state only; at an earlier instant they show the rows that existed
 * then (by the column that dates each row), as they are now.
 */
const CATALOG_SINCE: Readonly<Record<string, string>> = {
  entity_types: 'created_at',
  field_definitions: 'created_at',
  entity_conflicts: 'detected_at',
  schema_snapshots: 'published_at',
  query_executions: 'executed_at',
  saved_queries: 'created_at',
};

/** The tables and views a query may read, lower case: core and catalog tables, and the typed views. */
export function readableRelations(views: readonly ViewDefinition[]): Set<string> {
  return new Set([
    ...TABLES.filter((t) => t.group !== 'operations').map((t) => t.name),
    ...views.map((v) => v.name.toLowerCase()),
  ]);
}

/**
 * The statements that set up `scope` on a connection whose database (catalog) is `catalog`. With `reads`
 * (the relations the query names, lower case), only what it reads: each temporary view costs the warehouse
 * a bind, and most queries read one or two tables. A typed view reads the tables under it, so reading any
 * typed view sets up every shadow.
 */
export function scopeStatements(
  scope: Scope,
  catalog: string,
  views: readonly ViewDefinition[],
  reads?: ReadonlySet<string>,
): string[] {
  const typed = reads ? views.filter((v) => reads.has(v.name.toLowerCase())) : views;
  const needed = (table: string) => reads === undefined || typed.length > 0 || reads.has(table);
  const base = (table: string) => `${quoteIdent(catalog)}.main.${quoteIdent(table)}`;
  const shadow = (table: string, select: string) => `CREATE TEMP VIEW ${quoteIdent(table)} AS ${select}`;
  const out: string[] = [];
  if (scope.kind === 'live') {
    for (const t of CORE.filter(needed)) out.push(shadow(t, `SELECT * FROM ${base(t)} WHERE valid_to IS NULL`));
  } else {
    const at = `${quoteLiteral(scope.at.toISOString())}::TIMESTAMPTZ`;
    // Rows ingested by then and valid then; closed later, so as they stood then their valid_to was NULL.
    for (const t of CORE.filter(needed)) {
      out.push(
        shadow(
          t,
          `SELECT * REPLACE (NULL::TIMESTAMPTZ AS valid_to) FROM ${base(t)} WHERE ingested_at <= ${at} AND valid_from <= ${at} AND (valid_to IS NULL OR valid_to > ${at})`,
        ),
      );
    }
    for (const [t, since] of Object.entries(CATALOG_SINCE)) {
      if (needed(t)) out.push(shadow(t, `SELECT * FROM ${base(t)} WHERE ${quoteIdent(since)} <= ${at}`));
    }
  }
  for (const v of typed) out.push(tempViewSql(v));
  return out;
}
