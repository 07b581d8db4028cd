// ingest_log: one row per object event the consumer finished with (loaded, failed, deleted, ignored).
import { z } from 'zod';
import { type Page, pageParams } from '../http/page.ts';
import type { SqlParam, Warehouse, WarehouseSession } from '../warehouse/port.ts';
import { CountRow } from '../warehouse/rows.ts';

/** What became of an object event (ingest_log.status). */
export const IngestStatus = z.enum(['loaded', 'failed', 'deleted', 'ignored', 'retrying']);
export type IngestStatus = z.infer<typeof IngestStatus>;

/**
 * A row of ingest_log as the warehouse returns it, in the table's column order (the order the API's JSON
 * keeps). `rows` and `bytes` are read as DOUBLE: a BIGINT would arrive as text.
 */
export const IngestLogRow = z.object({
  id: z.string(),
  bucket: z.string(),
  key: z.string(),
  etag: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  strategy: z.string().nullable(),
  batch_id: z.string().nullable(),
  schema_version: z.string().nullable(),
  rows: z.number().nullable(),
  bytes: z.number().nullable(),
  status: IngestStatus,
  error: z.string().nullable(),
  error_code: z.string().nullable(),
  attempts: z.number(),
  event_time: z.coerce.date().nullable(),
  started_at: z.coerce.date(),
  finished_at: z.coerce.date().nullable(),
  duration_ms: z.number().nullable(),
});
export type IngestLogRow = z.infer<typeof IngestLogRow>;

/** A row of ingest_heads: each object's newest loaded event. */
export const IngestHeadsRow = z.object({
  bucket: z.string(),
  key: z.string(),
  etag: z.string(),
  event_time: z.coerce.date(),
  load_id: z.string(),
});
export type IngestHeadsRow = z.infer<typeof IngestHeadsRow>;

/** What priorOutcome reads: this event's ingest_log status and its key's ingest_heads row, each if any. */
const PriorOutcomeRow = z.object({
  status: IngestLogRow.shape.status.nullable(),
  newest: IngestHeadsRow.shape.event_time.nullable(),
  newest_etag: IngestHeadsRow.shape.etag.nullable(),
});

export interface IngestLogEntry {
  readonly id: string;
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly action: string;
  readonly target: string | null;
  readonly strategy: string | null;
  readonly batchId: string | null;
  readonly schemaVersion: string | null;
  readonly rows: number | null;
  readonly bytes: number | null;
  readonly status: IngestStatus;
  readonly error: string | null;
  readonly errorCode: string | null;
  readonly attempts: number;
  readonly eventTime: Date | null;
  readonly startedAt: Date;
  readonly finishedAt: Date;
}

/** One event of one object version: what a redelivery repeats. */
export interface ObjectEvent {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly eventTime: Date | null;
}

const SAME_EVENT =
  'bucket = $1::VARCHAR AND key = $2::VARCHAR AND etag = $3::VARCHAR AND event_time IS NOT DISTINCT FROM $4::TIMESTAMPTZ';
const eventParams = (e: ObjectEvent): SqlParam[] => [e.bucket, e.key, e.etag, e.eventTime];

/**
 * What happened to this event before, if anything, and the key's newest loaded event (an event older
 * than that is stale; one with the same eTag repeats the current content), in one round trip.
 */
export async function priorOutcome(
  db: WarehouseSession,
  e: ObjectEvent,
): Promise<{ status: IngestStatus | null; newestLoaded: { eventTime: Date; etag: string } | null }> {
  const head = 'FROM ingest_heads WHERE bucket = $1::VARCHAR AND key = $2::VARCHAR';
  const [row] = PriorOutcomeRow.array().parse(
    await db.query(
      `SELECT (SELECT status FROM ingest_log WHERE ${SAME_EVENT} LIMIT 1) AS status,
              (SELECT event_time ${head}) AS newest, (SELECT etag ${head}) AS newest_etag`,
      eventParams(e),
    ),
  );
  return {
    status: row?.status ?? null,
    newestLoaded: row?.newest && row.newest_etag !== null ? { eventTime: row.newest, etag: row.newest_etag } : null,
  };
}

/**
 * Marks this load as its object's newest loaded event (unless a later one is in). It always writes the
 * row, so a concurrent load of the same object conflicts with it (40001 or 23505) and is retried.
 */
export async function claimHead(db: WarehouseSession, e: ObjectEvent & { readonly loadId: string }): Promise<void> {
  const newer = 'excluded.event_time >= ingest_heads.event_time';
  await db.execute(
    `INSERT INTO ingest_heads (bucket, key, etag, event_time, load_id)
     VALUES ($1::VARCHAR, $2::VARCHAR, $3::VARCHAR, $4::TIMESTAMPTZ, $5::VARCHAR)
     ON CONFLICT (bucket, key) DO UPDATE SET
       etag = CASE WHEN ${newer} THEN excluded.etag ELSE ingest_heads.etag END,
       load_id = CASE WHEN ${newer} THEN excluded.load_id ELSE ingest_heads.load_id END,
       event_time = greatest(excluded.event_time, ingest_heads.event_time)`,
    [...eventParams(e), e.loadId],
  );
}

/**
 * Outcomes a later delivery of the same event may settle differently: a failure (a DLQ replay after a
 * fix, a file the warehouse could not read for a while), an ignore (the object was missing when the
 * event first came), or a retry under way. `loaded` and `deleted` are final.
 */
const UNSETTLED = `status IN ('failed', 'ignored', 'retrying')`;

/** Whether this event is settled for good: a later delivery of it is a duplicate. */
export function isSettled(status: IngestStatus | null): boolean {
  return status === 'loaded' || status === 'deleted';
}

/** Removes an unsettled outcome of this event, in the transaction that records the new one. */
export async function clearUnsettled(db: WarehouseSession, e: ObjectEvent) {
  await db.execute(`DELETE FROM ingest_log WHERE ${SAME_EVENT} AND ${UNSETTLED}`, eventParams(e));
}

/** Records an outcome in place of an unsettled earlier one; a concurrent final outcome wins. */
export async function recordOutcome(db: Warehouse, e: IngestLogEntry): Promise<void> {
  await db.transaction(async (tx) => {
    await clearUnsettled(tx, e);
    await recordIngest(tx, e, true);
  });
}

/** Inserts the entry; with `ignoreDuplicate` a concurrent recording of the same version is not an error. */
export async function recordIngest(db: WarehouseSession, e: IngestLogEntry, ignoreDuplicate = false): Promise<void> {
  const params: SqlParam[] = [
    e.id,
    e.bucket,
    e.key,
    e.etag,
    e.action,
    e.target,
    e.strategy,
    e.batchId,
    e.schemaVersion,
    e.rows,
    e.bytes,
    e.status,
    e.error,
    e.errorCode,
    e.attempts,
    e.eventTime,
    e.startedAt,
    e.finishedAt,
    Math.max(0, e.finishedAt.getTime() - e.startedAt.getTime()),
  ];
  await db.execute(
    `INSERT INTO ingest_log (id, bucket, key, etag, action, target, strategy, batch_id, schema_version, rows, bytes, status,
       error, error_code, attempts, event_time, started_at, finished_at, duration_ms)
     VALUES ($1::VARCHAR, $2::VARCHAR, $3::VARCHAR, $4::VARCHAR, $5::VARCHAR, $6::VARCHAR, $7::VARCHAR, $8::VARCHAR, $9::VARCHAR,
       $10::BIGINT, $11::BIGINT, $12::VARCHAR, $13::VARCHAR, $14::VARCHAR, $15::INTEGER, $16::TIMESTAMPTZ, $17::TIMESTAMPTZ,
       $18::TIMESTAMPTZ, $19::INTEGER)${ignoreDuplicate ? ' ON CONFLICT (bucket, key, etag, event_time) DO NOTHING' : ''}`,
    params,
  );
}

/** The instant of a `since` value: a date is its start in UTC, and so is a date-time without an offset. */
function sinceInstant(since: string): Date {
  const withOffset = /T.*(Z|[+-]\d\d(:?\d\d)?)$/i.test(since);
  return new Date(since.includes('T') && !withOffset ? `${since}Z` : since);
}

export const IngestionQuery = z.object({
  status: IngestStatus.optional(),
  bucket: z.string().min(1).optional(),
  // A date alone means its start, and a date-time without an offset is read, in UTC.
  since: z
    .union([z.iso.datetime({ offset: true, local: true }), z.iso.date()], {
      error: 'expected an ISO date (2026-11-21) or date-time (2026-11-21T08:00:00Z)',
    })
    .optional(),
  ...pageParams(1000, 100).shape,
});
export type IngestionQuery = z.infer<typeof IngestionQuery>;

/** An ingest_log row as the API answers it: the table's columns, in camelCase and in the same order. */
export interface Ingestion {
  readonly id: string;
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly action: string;
  readonly target: string | null;
  readonly strategy: string | null;
  readonly batchId: string | null;
  readonly schemaVersion: string | null;
  readonly rows: number | null;
  readonly bytes: number | null;
  readonly status: IngestStatus;
  readonly error: string | null;
  readonly errorCode: string | null;
  readonly attempts: number;
  readonly eventTime: Date | null;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly durationMs: number | null;
}

function ingestion(r: IngestLogRow): Ingestion {
  return {
    id: r.id,
    bucket: r.bucket,
    key: r.key,
    etag: r.etag,
    action: r.action,
    target: r.target,
    strategy: r.strategy,
    batchId: r.batch_id,
    schemaVersion: r.schema_version,
    rows: r.rows,
    bytes: r.bytes,
    status: r.status,
    error: r.error,
    errorCode: r.error_code,
    attempts: r.attempts,
    eventTime: r.event_time,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: r.duration_ms,
  };
}

function ingestionWhere(q: IngestionQuery): { where: string; params: SqlParam[] } {
  const conditions: string[] = [];
  const params: SqlParam[] = [];
  if (q.status) {
    params.push(q.status);
    conditions.push(`status = $${params.length}::VARCHAR`);
  }
  if (q.bucket) {
    params.push(q.bucket);
    conditions.push(`bucket = $${params.length}::VARCHAR`);
  }
  if (q.since) {
    params.push(sinceInstant(q.since));
    conditions.push(`started_at >= $${params.length}::TIMESTAMPTZ`);
  }
  return { where: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

/** One page of ingestions, newest first, filtered by status, bucket and start time, with the count of all that match. */
export async function listIngestions(db: WarehouseSession, q: IngestionQuery): Promise<Page<'ingestions', Ingestion>> {
  const { where, params } = ingestionWhere(q);
  const [count] = await db.query(`SELECT count(*)::INTEGER AS n FROM ingest_log ${where}`, params);
  const rows = await db.query(
    `SELECT id, bucket, key, etag, action, target, strategy, batch_id, schema_version, rows::DOUBLE AS rows,
            bytes::DOUBLE AS bytes, status, error, error_code, attempts, event_time, started_at, finished_at, duration_ms
     FROM ingest_log ${where}
     ORDER BY started_at DESC, id LIMIT $${params.length + 1}::INTEGER OFFSET $${params.length + 2}::INTEGER`,
    [...params, q.limit, q.offset],
  );
  return {
    ingestions: IngestLogRow.array().parse(rows).map(ingestion),
    limit: q.limit,
    offset: q.offset,
    total: count ? CountRow.parse(count).n : 0,
  };
}

/** What ingestion did since an instant, and the failures waiting on the dead-letter queue. */
export interface IngestSummary {
  readonly since: Date;
  /** Files loaded since `since`. */
  readonly loads: number;
  /** Rows those loads added. */
  readonly rows: number;
  /** Files recorded as failed since `since`. */
  readonly failed: number;
  /**
   * Every `failed` row, of any age: each was sent to the dead-letter queue before it was recorded, and a
   * replay that settles it replaces the row, so these are the dead letters not yet replayed.
   */
  readonly deadLettered: number;
}

const SummaryRow = z.object({
  loads: z.coerce.number(),
  rows: z.coerce.number(),
  failed: z.coerce.number(),
  dead: z.coerce.number(),
});

/** Loads, rows and failures since `since`, and the failed files still dead-lettered, in one round trip. */
export async function ingestSummary(db: WarehouseSession, since: Date): Promise<IngestSummary> {
  const [row] = await db.query(
    `SELECT count(*) FILTER (WHERE status = 'loaded' AND started_at >= $1::TIMESTAMPTZ)::INTEGER AS loads,
            coalesce(sum(rows) FILTER (WHERE status = 'loaded' AND started_at >= $1::TIMESTAMPTZ), 0)::DOUBLE AS rows,
            count(*) FILTER (WHERE status = 'failed' AND started_at >= $1::TIMESTAMPTZ)::INTEGER AS failed,
            count(*) FILTER (WHERE status = 'failed')::INTEGER AS dead
     FROM ingest_log`,
    [since],
  );
  const s = SummaryRow.parse(row ?? { loads: 0, rows: 0, failed: 0, dead: 0 });
  return { since, loads: s.loads, rows: s.rows, failed: s.failed, deadLettered: s.dead };
}
