// `remote`: the warehouse reads r2://bucket/key itself, describes it and inserts its rows; the Worker never
// holds the file.
import type { WarehouseSession } from '../../warehouse/port.ts';
import { quoteIdent, quoteLiteral, r2ObjectUrl } from '../../warehouse/sql.ts';
import { parseDuckType } from '../duck-types.ts';
import { remoteLoad } from '../load-sql.ts';
import { BadFileError, kindOfDuckType, planLoad, type SourceColumn } from '../plan.ts';
import { duckShapes, profileOf } from '../profile.ts';
import { closeSuperseded, derivedBatchId, fileName, loadContext, probeSuperseded } from './context.ts';
import type { LoadRequest, LoadResult } from './types.ts';

/** The warehouse describes and loads the object; returns after the rows are inserted (not committed). */
export async function loadRemote(tx: WarehouseSession, req: LoadRequest): Promise<LoadResult> {
  const url = r2ObjectUrl(req.bucket, req.key);
  const reader = req.format === 'parquet' ? `read_parquet(${quoteLiteral(url)})` : `read_csv(${quoteLiteral(url)})`;
  // The probe of closeSuperseded needs only the load id and event time: it goes out with the questions.
  const probe = probeSuperseded(tx, req.target, loadContext(req, derivedBatchId(req.key, req.etag), null));
  // The questions go out together: one round trip to the warehouse instead of three.
  const [described, kv, stats] = await Promise.all([
    tx.query<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${reader}`),
    req.format === 'parquet'
      ? tx.query<{ key: string; value: string }>(
          `SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata(${quoteLiteral(url)}) WHERE decode(key) IN ('schema_version', 'batch_id')`,
        )
      : Promise.resolve([]),
    req.format === 'parquet'
      ? tx.query<{ path: string; nulls: string | null }>(
          // NULL unless every row group has the statistic.
          `SELECT path_in_schema AS path, CASE WHEN count(stats_null_count) = count(*) THEN sum(stats_null_count)::VARCHAR END AS nulls FROM parquet_metadata(${quoteLiteral(url)}) GROUP BY path_in_schema`,
        )
      : Promise.resolve([]),
  ]);
  // read_csv names the one column of an empty file (or a lone byte order mark) `column0`; push refuses it.
  if (req.format === 'csv' && req.size <= 3 && described.length === 1 && described[0]?.column_name === 'column0') {
    throw new BadFileError(`${fileName(req)}: the file is empty (no header row)`);
  }
  const columns: SourceColumn[] = described.map((c) => ({
    name: c.column_name,
    kind: kindOfDuckType(c.column_type),
    typeText: c.column_type,
  }));
  let schemaVersion: string | null = null;
  let batchId = derivedBatchId(req.key, req.etag);
  for (const { key, value } of kv) {
    if (key === 'schema_version') schemaVersion = value;
    if (key === 'batch_id' && value !== '') batchId = value;
  }
  const plan = planLoad(req.target, columns, fileName(req));
  const ctx = loadContext(req, batchId, schemaVersion);
  const types = new Map(described.map((c) => [c.column_name, c.column_type]));
  const shapes = plan.extras.map((c) => ({ name: c.name, shapes: duckShapes(c.name, parseDuckType(c.typeText)) }));
  // Parquet statistics give top-level NULL counts for free; other columns are counted in the prescan.
  const nulls = new Map<string, number | null>();
  const known = new Map(stats.map((s) => [s.path, s.nulls === null ? null : Number(s.nulls)]));
  for (const c of shapes) {
    const scalar = c.shapes.length === 1 && c.shapes[0]?.type !== 'object' && c.shapes[0]?.type !== 'array';
    const n = scalar ? known.get(c.name) : undefined;
    if (n !== undefined && n !== null) nulls.set(c.name, n);
  }
  const prescan = await prescanColumns(
    tx,
    reader,
    plan.extras.filter((c) => /^(FLOAT|DOUBLE)$/.test(c.typeText)).map((c) => c.name),
    plan.extras.filter((c) => !nulls.has(c.name)).map((c) => c.name),
  );
  for (const [name, n] of prescan.nulls) nulls.set(name, n);
  const rows = await tx.loadFile(remoteLoad(plan, ctx, url, req.format, types, prescan.finite));
  await closeSuperseded(tx, req.target, ctx, probe);
  return { rows, batchId, schemaVersion, peakBytes: 0, profile: profileOf(shapes, rows, nulls) };
}

/**
 * Whether the warehouse reaches the object that remote loading reads by name: it lists the object's size
 * without reading its content. DuckDB reports some malformed files as I/O errors, like storage it cannot
 * reach; an object it reaches, at the size R2 reported, tells the two apart.
 */
export async function warehouseReaches(db: WarehouseSession, req: Pick<LoadRequest, 'bucket' | 'key' | 'size'>) {
  try {
    const rows = await db.query<{ size: string }>(
      `SELECT size::VARCHAR AS size FROM read_blob(${quoteLiteral(r2ObjectUrl(req.bucket, req.key))})`,
    );
    return rows.length === 1 && Number(rows[0]?.size) === req.size;
  } catch {
    return false;
  }
}

/**
 * One scan of just the columns that need it: floating point columns without NaN or infinities (their
 * JSON needs no per-value CASE, which matters on wide files), and NULL counts statistics did not give.
 */
async function prescanColumns(
  tx: WarehouseSession,
  reader: string,
  floats: readonly string[],
  uncounted: readonly string[],
): Promise<{ finite: Set<string>; nulls: Map<string, number> }> {
  if (floats.length === 0 && uncounted.length === 0) return { finite: new Set(), nulls: new Map() };
  const checks = [
    ...floats.map((n, i) => `coalesce(bool_and(isfinite(${quoteIdent(n)})), true) AS f${i}`),
    ...uncounted.map((n, i) => `(count(*) - count(${quoteIdent(n)}))::VARCHAR AS n${i}`),
  ];
  const [row] = await tx.query<Record<string, boolean | string>>(`SELECT ${checks.join(', ')} FROM ${reader}`);
  return {
    finite: new Set(floats.filter((_, i) => row?.[`f${i}`] === true)),
    nulls: new Map(uncounted.map((n, i) => [n, Number(row?.[`n${i}`] ?? 0)])),
  };
}
