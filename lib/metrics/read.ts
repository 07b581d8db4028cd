// The operations views (sql/migrations/0012_operations_views.sql) read into one report: schema churn per day
// and per week, query latency per schema version and mode, and the health of every entity type.
import { z } from 'zod';
import type { WarehouseSession } from '../warehouse/port.ts';

/** One day or ISO week of schema_churn; `periodStart` is its first day (UTC, `YYYY-MM-DD`). */
export interface ChurnPeriod {
  readonly periodStart: string;
  readonly versions: number;
  readonly majorVersions: number;
  readonly minorVersions: number;
  readonly patchVersions: number;
  readonly newEntityTypes: number;
  readonly newFields: number;
  readonly conflictsRaised: number;
  readonly conflictsDecided: number;
  /** The review queue's depth at the period's end (now, for the current one). */
  readonly openConflicts: number;
}

/** schema_churn summed over every day it has. */
export interface ChurnTotals {
  readonly versions: number;
  readonly newEntityTypes: number;
  readonly newFields: number;
  readonly conflictsRaised: number;
  readonly conflictsDecided: number;
}

/** One row of slow_queries: durations of the executions of one mode under one schema version. */
export interface QueryLatency {
  /** null: executions before the first snapshot. */
  readonly schemaVersion: number | null;
  readonly mode: string;
  readonly executions: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly totalMs: number;
  readonly lastExecutedAt: Date;
}

/** One row of entity_health. */
export interface EntityHealth {
  readonly name: string;
  readonly status: string;
  readonly mergedInto: string | null;
  readonly occurrences: number;
  readonly documents: number;
  readonly proposals: number;
  readonly aliases: number;
  readonly openConflicts: number;
  readonly share: number | null;
  readonly firstSeen: Date | null;
  readonly lastSeen: Date | null;
  readonly datasetNewestAt: Date | null;
  readonly daysBehindDataset: number | null;
  readonly daysSinceSeen: number | null;
  readonly stale: boolean;
  readonly rare: boolean;
}

export interface MetricsReport {
  readonly generatedAt: Date;
  readonly schemaChurn: {
    /** The last `days` days, oldest first; the last one is today (UTC). */
    readonly days: readonly ChurnPeriod[];
    /** The last `weeks` ISO weeks, oldest first; the last one is this week. */
    readonly weeks: readonly ChurnPeriod[];
    readonly totals: ChurnTotals;
  };
  /** Newest schema version first (executions before the first snapshot last), then by mode. */
  readonly slowQueries: readonly QueryLatency[];
  /** By name, in code point order. */
  readonly entityHealth: readonly EntityHealth[];
}

export interface MetricsWindow {
  readonly days: number;
  readonly weeks: number;
}

// BIGINT counts arrive as text over the wire (fetch_types: false): read as numbers.
const count = z.coerce.number();
const instant = z.coerce.date();

const ChurnRow = z.object({
  grain: z.enum(['day', 'week']),
  period_start: z.string(),
  versions: count,
  major_versions: count,
  minor_versions: count,
  patch_versions: count,
  new_entity_types: count,
  new_fields: count,
  conflicts_raised: count,
  conflicts_decided: count,
  open_conflicts: count,
});

const TotalsRow = z.object({
  versions: count,
  new_entity_types: count,
  new_fields: count,
  conflicts_raised: count,
  conflicts_decided: count,
});

const LatencyRow = z.object({
  schema_version: z.number().nullable(),
  mode: z.string(),
  executions: count,
  errors: count,
  p50_ms: z.number(),
  p95_ms: z.number(),
  p99_ms: z.number(),
  max_ms: z.number(),
  total_ms: count,
  last_executed_at: instant,
});

const HealthRow = z.object({
  name: z.string(),
  status: z.string(),
  merged_into: z.string().nullable(),
  occurrences: count,
  documents: count,
  proposals: count,
  aliases: count,
  open_conflicts: count,
  share: z.number().nullable(),
  first_seen: instant.nullable(),
  last_seen: instant.nullable(),
  dataset_newest_at: instant.nullable(),
  days_behind_dataset: z.number().nullable(),
  days_since_seen: z.number().nullable(),
  stale: z.boolean(),
  rare: z.boolean(),
});

const churnPeriod = (r: z.infer<typeof ChurnRow>): ChurnPeriod => ({
  periodStart: r.period_start,
  versions: r.versions,
  majorVersions: r.major_versions,
  minorVersions: r.minor_versions,
  patchVersions: r.patch_versions,
  newEntityTypes: r.new_entity_types,
  newFields: r.new_fields,
  conflictsRaised: r.conflicts_raised,
  conflictsDecided: r.conflicts_decided,
  openConflicts: r.open_conflicts,
});

/** schema_churn's last `days` days and `weeks` weeks, and its totals. */
async function readChurn(db: WarehouseSession, window: MetricsWindow): Promise<MetricsReport['schemaChurn']> {
  // The view has every period up to today, so the newest N rows of a grain are its last N periods.
  const rows = ChurnRow.array().parse(
    await db.query(
      `SELECT * EXCLUDE (period_start, recent), period_start::VARCHAR AS period_start
       FROM (SELECT *, row_number() OVER (PARTITION BY grain ORDER BY period_start DESC) AS recent FROM schema_churn)
       WHERE recent <= CASE grain WHEN 'day' THEN $1::INTEGER ELSE $2::INTEGER END
       ORDER BY grain, period_start`,
      [window.days, window.weeks],
    ),
  );
  const [totals] = TotalsRow.array().parse(
    await db.query(
      `SELECT coalesce(sum(versions), 0) AS versions, coalesce(sum(new_entity_types), 0) AS new_entity_types,
              coalesce(sum(new_fields), 0) AS new_fields, coalesce(sum(conflicts_raised), 0) AS conflicts_raised,
              coalesce(sum(conflicts_decided), 0) AS conflicts_decided
       FROM schema_churn WHERE grain = 'day'`,
    ),
  );
  return {
    days: rows.filter((r) => r.grain === 'day').map(churnPeriod),
    weeks: rows.filter((r) => r.grain === 'week').map(churnPeriod),
    totals: {
      versions: totals?.versions ?? 0,
      newEntityTypes: totals?.new_entity_types ?? 0,
      newFields: totals?.new_fields ?? 0,
      conflictsRaised: totals?.conflicts_raised ?? 0,
      conflictsDecided: totals?.conflicts_decided ?? 0,
    },
  };
}

async function readSlowQueries(db: WarehouseSession): Promise<QueryLatency[]> {
  const rows = LatencyRow.array().parse(
    await db.query('SELECT * FROM slow_queries ORDER BY schema_version DESC NULLS LAST, mode'),
  );
  return rows.map((r) => ({
    schemaVersion: r.schema_version,
    mode: r.mode,
    executions: r.executions,
    errors: r.errors,
    p50Ms: r.p50_ms,
    p95Ms: r.p95_ms,
    p99Ms: r.p99_ms,
    maxMs: r.max_ms,
    totalMs: r.total_ms,
    lastExecutedAt: r.last_executed_at,
  }));
}

async function readEntityHealth(db: WarehouseSession): Promise<EntityHealth[]> {
  const rows = HealthRow.array().parse(await db.query('SELECT * FROM entity_health ORDER BY name'));
  return rows.map((r) => ({
    name: r.name,
    status: r.status,
    mergedInto: r.merged_into,
    occurrences: r.occurrences,
    documents: r.documents,
    proposals: r.proposals,
    aliases: r.aliases,
    openConflicts: r.open_conflicts,
    share: r.share,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    datasetNewestAt: r.dataset_newest_at,
    daysBehindDataset: r.days_behind_dataset,
    daysSinceSeen: r.days_since_seen,
    stale: r.stale,
    rare: r.rare,
  }));
}

/** The three operations views (their clock is the warehouse's now()), stamped `now`; churn cut to `window`. */
export async function readMetrics(db: WarehouseSession, window: MetricsWindow, now: Date): Promise<MetricsReport> {
  // NOTE: one after the other: in workerd, postgres.js leaves parallel connections' failures unhandled when
  // the warehouse is down.
  const schemaChurn = await readChurn(db, window);
  const slowQueries = await readSlowQueries(db);
  const entityHealth = await readEntityHealth(db);
  return { generatedAt: now, schemaChurn, slowQueries, entityHealth };
}
