// A throwaway copy of a live warehouse's schema `main` and a sample of its rows, for `migrate --test`: ENUM types,
// sequences, tables (from their stored DDL), up to `sample` rows per table (every row of schema_migrations),
// then views and indexes, all read with DuckDB's catalog functions (MotherDuck has no pg_catalog).
import { z } from 'zod';
import { errorMessage } from '../../lib/errors.ts';
import type { Warehouse, WarehouseSession } from '../../lib/warehouse/port.ts';
import { quoteIdent, quoteLiteral } from '../../lib/warehouse/sql.ts';

export interface CopiedTable {
  readonly name: string;
  /** Rows in the live table. */
  readonly rows: number;
  /** Rows copied (fewer than `rows` when the table is larger than the sample). */
  readonly copied: number;
}

export interface ScratchCopy {
  readonly tables: readonly CopiedTable[];
  /** What could not be recreated (a view whose SQL names the live database, say), one sentence each. */
  readonly notes: readonly string[];
}

/** Thrown when the copy itself fails (not a migration): the command reports it and exits 2. */
export class CopyError extends Error {}

const MAIN = `database_name = current_database() AND schema_name = 'main'`;
const Named = z.object({ name: z.string(), sql: z.string().nullable() });
const EnumRow = z.object({ name: z.string(), labels: z.array(z.string()).nullable() });
const ColumnRow = z.object({ name: z.string(), type: z.string() });
const BATCH_ROWS = 200;

/**
 * Nested types holding JSON travel as JSON (DuckDB's text form of `JSON[]` does not parse back); everything else
 * as DuckDB's own text form, which round-trips exactly (decimals, hugeints, blobs, timestamps, lists, structs).
 */
const viaJson = (type: string): boolean => type !== 'JSON' && /\bJSON\b/.test(type);

/** Recreates `live`'s schema `main` in `scratch` and copies up to `sample` rows of each table. */
export async function copyLiveSchema(
  live: WarehouseSession,
  scratch: Warehouse,
  options: { readonly sample: number; readonly onTable?: (name: string) => void },
): Promise<ScratchCopy> {
  const notes: string[] = [];
  const step = async (what: string, sql: string): Promise<void> => {
    try {
      await scratch.exec(sql);
    } catch (error) {
      throw new CopyError(`could not recreate ${what} in the scratch copy: ${errorMessage(error)}`);
    }
  };
  const enums = (
    await live.query(
      `SELECT type_name AS name, labels FROM duckdb_types() WHERE ${MAIN} AND NOT internal AND logical_type = 'ENUM' ORDER BY type_oid`,
    )
  ).map((r) => EnumRow.parse(r));
  for (const e of enums) {
    await step(
      `type ${e.name}`,
      `CREATE TYPE ${quoteIdent(e.name)} AS ENUM (${(e.labels ?? []).map(quoteLiteral).join(', ')})`,
    );
  }
  const sequences = (
    await live.query(`SELECT sequence_name AS name, sql FROM duckdb_sequences() WHERE ${MAIN} AND NOT temporary`)
  ).map((r) => Named.parse(r));
  for (const s of sequences) if (s.sql) await step(`sequence ${s.name}`, s.sql);
  const tables = (
    await live.query(
      `SELECT table_name AS name, sql FROM duckdb_tables() WHERE ${MAIN} AND NOT internal AND NOT temporary ORDER BY table_oid`,
    )
  ).map((r) => Named.parse(r));
  for (const t of tables) if (t.sql) await step(`table ${t.name}`, t.sql);
  const copied: CopiedTable[] = [];
  for (const t of tables) {
    options.onTable?.(t.name);
    copied.push(await copyRows(live, scratch, t.name, t.name === 'schema_migrations' ? null : options.sample));
  }
  // Views may read views: create what can be created, and retry the rest until a round makes no progress.
  let views = (
    await live.query(
      `SELECT view_name AS name, sql FROM duckdb_views() WHERE ${MAIN} AND NOT internal AND NOT temporary ORDER BY view_oid`,
    )
  ).map((r) => Named.parse(r));
  while (views.length > 0) {
    const failed: { name: string; sql: string | null; error: string }[] = [];
    for (const v of views) {
      try {
        if (v.sql) await scratch.exec(v.sql);
      } catch (error) {
        failed.push({ ...v, error: errorMessage(error) });
      }
    }
    if (failed.length === views.length) {
      for (const f of failed) notes.push(`view ${f.name} could not be recreated in the copy: ${f.error}`);
      break;
    }
    views = failed;
  }
  const indexes = (
    await live.query(`SELECT index_name AS name, sql FROM duckdb_indexes() WHERE ${MAIN} ORDER BY index_oid`)
  ).map((r) => Named.parse(r));
  for (const i of indexes) if (i.sql) await step(`index ${i.name}`, i.sql);
  return { tables: copied, notes };
}

/** Copies up to `limit` rows (all when null) of `table`, each row fetched as one JSON array of column texts. */
async function copyRows(
  live: WarehouseSession,
  scratch: Warehouse,
  table: string,
  limit: number | null,
): Promise<CopiedTable> {
  const columns = (
    await live.query(
      `SELECT column_name AS name, data_type AS type FROM duckdb_columns()
        WHERE ${MAIN} AND table_name = $1::VARCHAR ORDER BY column_index`,
      [table],
    )
  ).map((r) => ColumnRow.parse(r));
  const [count] = await live.query<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${quoteIdent(table)}`);
  const rows = count?.n ?? 0;
  if (rows === 0 || limit === 0 || columns.length === 0) return { name: table, rows, copied: 0 };
  const texts = columns.map((c) =>
    viaJson(c.type) ? `to_json(${quoteIdent(c.name)})::VARCHAR` : `${quoteIdent(c.name)}::VARCHAR`,
  );
  const fetched = await live.query<{ row: string }>(
    `SELECT to_json([${texts.join(', ')}])::VARCHAR AS "row" FROM ${quoteIdent(table)}${limit === null ? '' : ` LIMIT ${limit}`}`,
  );
  const casts = columns.map((c, i) => `CAST(r[${i + 1}]${viaJson(c.type) ? '::JSON' : ''} AS ${c.type})`);
  const insert = `INSERT INTO ${quoteIdent(table)} (${columns.map((c) => quoteIdent(c.name)).join(', ')})
    SELECT ${casts.join(', ')} FROM (SELECT unnest(CAST($1::VARCHAR::JSON AS VARCHAR[][])) AS r)`;
  try {
    await scratch.transaction(async (tx) => {
      for (let start = 0; start < fetched.length; start += BATCH_ROWS) {
        const batch = fetched.slice(start, start + BATCH_ROWS).map((f) => f.row);
        await tx.execute(insert, [`[${batch.join(',')}]`]);
      }
    });
  } catch (error) {
    throw new CopyError(`could not copy the rows of ${table} into the scratch copy: ${errorMessage(error)}`);
  }
  return { name: table, rows, copied: fetched.length };
}
