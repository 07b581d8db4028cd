// Writing catalog rows: one statement per table, the rows as one JSON document (json_transform), whatever
// their number.
import type { WarehouseSession } from '../../warehouse/port.ts';

export const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/**
 * Upserts `rows` (objects of `spec`'s keys) into `table`: one statement, the rows as one JSON parameter.
 * `casts` turns the transported (VARCHAR/DOUBLE) value of a column into its SQL type.
 */
export async function upsert(
  db: WarehouseSession,
  table: string,
  spec: Record<string, 'VARCHAR' | 'DOUBLE' | 'BOOLEAN'>,
  casts: Record<string, string>,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(spec);
  const select = columns.map((c) => casts[c] ?? `r.${c}`);
  await db.execute(
    `INSERT OR REPLACE INTO ${table} (${columns.join(', ')})
     SELECT ${select.join(', ')} FROM (SELECT unnest(json_transform($1::VARCHAR, $2::VARCHAR)) AS r)`,
    [JSON.stringify(rows), JSON.stringify([spec])],
  );
}

export const asTimestamp = (c: string) => `CAST(r.${c} AS TIMESTAMPTZ)`;
export const asJson = (c: string) => `CAST(r.${c} AS JSON)`;
export const asBigint = (c: string) => `CAST(r.${c} AS BIGINT)`;
