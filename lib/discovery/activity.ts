// The newest activity of each dataset (annotations) and source (fields), which staleness is measured
// against (see lifecycle in catalog.ts): kept in discovery_activity and moved on by the loads a run takes
// in, so an incremental run never aggregates the whole annotations table.
import { z } from 'zod';
import type { WarehouseSession } from '../warehouse/port.ts';
import { quoteLiteral } from '../warehouse/sql.ts';
import type { Activity } from './catalog.ts';
import { asTimestamp, iso, upsert } from './catalog-tables/upsert.ts';
import type { PendingLoad } from './observe.ts';

export interface ActivityRow {
  readonly kind: 'dataset' | 'source';
  /** The dataset ('' for annotations without one) or the source. */
  readonly scope: string;
  readonly newestAt: Date;
}

export interface ActivityObservation {
  readonly activity: Activity;
  /** Rows whose newest activity moved on (or is new): what the run writes back. */
  readonly changed: readonly ActivityRow[];
}

const ActivityQueryRow = z.object({
  kind: z.enum(['dataset', 'source']),
  scope: z.string(),
  stored_at: z.coerce.date().nullable(),
  newest_at: z.coerce.date(),
});

/**
 * The newest activity per dataset and source once `loads` (or every load) are taken in: the stored
 * values and the loads' own newest annotated_at (submitted rows) and ingested_at (field profiles), in
 * one aggregate statement over the loads' rows only.
 */
export async function observeActivity(
  db: WarehouseSession,
  loads: readonly PendingLoad[] | 'all',
): Promise<ActivityObservation> {
  const ids = loads === 'all' ? null : `(${loads.map((l) => quoteLiteral(l.id)).join(', ')})`;
  const mine = ids === null ? 'true' : `load_id IN ${ids}`;
  const added =
    ids === '()'
      ? `SELECT NULL::VARCHAR AS kind, NULL::VARCHAR AS scope, NULL::TIMESTAMPTZ AS newest_at WHERE false`
      : `SELECT 'dataset' AS kind, coalesce(dataset, '') AS scope, max(annotated_at) AS newest_at
         FROM annotations WHERE status = 'submitted' AND ${mine} GROUP BY coalesce(dataset, '')
         UNION ALL
         SELECT 'source', source, max(ingested_at) FROM load_fields WHERE rows > 0 AND ${mine} GROUP BY source`;
  const rows = await db.query(
    `WITH added AS (${added})
     SELECT coalesce(s.kind, a.kind) AS kind, coalesce(s.scope, a.scope) AS scope, s.newest_at AS stored_at,
            greatest(s.newest_at, a.newest_at) AS newest_at
     FROM discovery_activity s FULL OUTER JOIN added a ON a.kind = s.kind AND a.scope = s.scope
     ORDER BY kind, scope`,
  );
  const datasets = new Map<string, Date>();
  const sources = new Map<string, Date>();
  const changed: ActivityRow[] = [];
  for (const row of rows) {
    const r = ActivityQueryRow.parse(row);
    (r.kind === 'dataset' ? datasets : sources).set(r.scope, r.newest_at);
    if (r.stored_at === null || r.stored_at.getTime() !== r.newest_at.getTime()) {
      changed.push({ kind: r.kind, scope: r.scope, newestAt: r.newest_at });
    }
  }
  return { activity: { datasets, sources }, changed };
}

/** Writes the rows observeActivity found moved on, in one statement. */
export async function writeActivity(db: WarehouseSession, rows: readonly ActivityRow[]): Promise<void> {
  await upsert(
    db,
    'discovery_activity',
    { kind: 'VARCHAR', scope: 'VARCHAR', newest_at: 'VARCHAR' },
    { newest_at: asTimestamp('newest_at') },
    rows.map((r) => ({ kind: r.kind, scope: r.scope, newest_at: iso(r.newestAt) })),
  );
}
