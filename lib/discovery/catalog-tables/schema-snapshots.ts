// The schema_snapshots table: published catalog versions.
import { z } from 'zod';
import { buildViews, SnapshotViews } from '../../query/views.ts';
import { EntityTypeStats, FieldStats } from '../../schema/document.ts';
import type { WarehouseSession } from '../../warehouse/port.ts';
import { jsonText } from '../../warehouse/rows.ts';
import { Bump, Catalog, Change } from '../snapshot.ts';

/** The stats column: one entry per published name (lists, not objects keyed by name: a name is data). */
export const SnapshotStats = z.object({
  entityTypes: z.array(EntityTypeStats.extend({ name: z.string() })),
  fields: z.array(FieldStats.extend({ source: z.string(), name: z.string() })),
});
export type SnapshotStats = z.infer<typeof SnapshotStats>;

export interface SnapshotRow {
  readonly version: number;
  readonly semver: string;
  readonly bump: Bump;
  readonly publishedAt: Date;
  readonly catalog: Catalog;
  readonly diff: readonly Change[];
  readonly contentHash: string;
  readonly previousHash: string | null;
  readonly runId: string | null;
  /** Null for snapshots published before stats were stored (0008_snapshot_stats.sql). */
  readonly stats: SnapshotStats | null;
  /** Null for snapshots published before views were stored (0013_query_views.sql): see viewsOf. */
  readonly views: SnapshotViews | null;
}

/** A snapshot's typed views: as stored, or (published before they were) built from its catalog. */
export function viewsOf(row: Pick<SnapshotRow, 'catalog' | 'views'>): SnapshotViews {
  return row.views ?? buildViews(row.catalog);
}

/** The columns every read of schema_snapshots selects (JSON as text). */
export const SNAPSHOT_COLUMNS =
  'version, semver, bump, published_at, catalog::VARCHAR AS catalog, diff::VARCHAR AS diff, content_hash, previous_hash, run_id, stats::VARCHAR AS stats, views::VARCHAR AS views';

/** A schema_snapshots row as SNAPSHOT_COLUMNS selects it. */
export const SchemaSnapshotRow = z.object({
  version: z.coerce.number(),
  semver: z.string(),
  bump: Bump,
  published_at: z.coerce.date(),
  catalog: jsonText(Catalog),
  diff: jsonText(z.array(Change)),
  content_hash: z.string(),
  previous_hash: z.string().nullable(),
  run_id: z.string().nullable(),
  stats: z
    .string()
    .nullable()
    .transform((text): unknown => (text === null ? null : JSON.parse(text)))
    .pipe(SnapshotStats.nullable()),
  views: z
    .string()
    .nullable()
    .transform((text): unknown => (text === null ? null : JSON.parse(text)))
    .pipe(SnapshotViews.nullable()),
});
export type SchemaSnapshotRow = z.infer<typeof SchemaSnapshotRow>;

/** A row as SNAPSHOT_COLUMNS selects it, parsed. */
export function snapshotRow(row: unknown): SnapshotRow {
  const r = SchemaSnapshotRow.parse(row);
  return {
    version: r.version,
    semver: r.semver,
    bump: r.bump,
    publishedAt: r.published_at,
    catalog: r.catalog,
    diff: r.diff,
    contentHash: r.content_hash,
    previousHash: r.previous_hash,
    runId: r.run_id,
    stats: r.stats,
    views: r.views,
  };
}

export async function latestSnapshot(db: WarehouseSession): Promise<SnapshotRow | null> {
  const [row] = await db.query(`SELECT ${SNAPSHOT_COLUMNS} FROM schema_snapshots ORDER BY version DESC LIMIT 1`);
  return row ? snapshotRow(row) : null;
}

export async function getSnapshot(db: WarehouseSession, version: number): Promise<SnapshotRow | null> {
  const [row] = await db.query(`SELECT ${SNAPSHOT_COLUMNS} FROM schema_snapshots WHERE version = $1::INTEGER`, [
    version,
  ]);
  return row ? snapshotRow(row) : null;
}

/** The snapshot in force at `instant`: the greatest published_at at or before it. Null before the first. */
export async function snapshotAt(db: WarehouseSession, instant: Date): Promise<SnapshotRow | null> {
  const [row] = await db.query(
    `SELECT ${SNAPSHOT_COLUMNS} FROM schema_snapshots WHERE published_at <= $1::TIMESTAMPTZ
     ORDER BY published_at DESC, version DESC LIMIT 1`,
    [instant.toISOString()],
  );
  return row ? snapshotRow(row) : null;
}

export async function insertSnapshot(db: WarehouseSession, s: SnapshotRow): Promise<void> {
  await db.execute(
    `INSERT INTO schema_snapshots (version, semver, bump, published_at, catalog, diff, content_hash, previous_hash, run_id, stats, views)
     VALUES ($1::INTEGER, $2::VARCHAR, $3::VARCHAR, $4::TIMESTAMPTZ, $5::VARCHAR::JSON, $6::VARCHAR::JSON, $7::VARCHAR, $8::VARCHAR, $9::VARCHAR, $10::VARCHAR::JSON, $11::VARCHAR::JSON)`,
    [
      s.version,
      s.semver,
      s.bump,
      s.publishedAt,
      JSON.stringify(s.catalog),
      JSON.stringify(s.diff),
      s.contentHash,
      s.previousHash,
      s.runId,
      s.stats === null ? null : JSON.stringify(s.stats),
      s.views === null ? null : JSON.stringify(s.views),
    ],
  );
}
