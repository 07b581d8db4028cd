// The tables of saved reports: saved_queries (one row per report, with its last run's hash and counts) and
// report_runs (one row per run, 0014_saved_reports.sql).
import { z } from 'zod';
import { AppError } from '../errors.ts';
import type { PageRequest } from '../http/page.ts';
import { QUERY_MODES, type QueryMode, type ResultColumn } from '../query/contract.ts';
import type { WarehouseSession } from '../warehouse/port.ts';
import { CountRow, nullableJsonText } from '../warehouse/rows.ts';
import type { SavedReport } from './definition.ts';
import { ResultColumnSchema, RunExplanation } from './explain.ts';

export const RunTrigger = z.enum(['create', 'api', 'cron']);
export type RunTrigger = z.infer<typeof RunTrigger>;
export const RunStatus = z.enum(['ok', 'error']);
export type RunStatus = z.infer<typeof RunStatus>;
const Mode = z.enum(QUERY_MODES as [QueryMode, ...QueryMode[]]);

export interface StoredObject {
  readonly key: string;
  readonly etag: string;
  readonly bytes: number;
}

export interface ReportRun {
  readonly id: string;
  readonly reportId: string;
  readonly run: number;
  readonly trigger: RunTrigger;
  readonly status: RunStatus;
  readonly ranAt: Date;
  readonly durationMs: number | null;
  readonly executionId: string | null;
  readonly mode: QueryMode;
  readonly schemaVersion: number | null;
  readonly at: string | null;
  readonly columns: readonly ResultColumn[] | null;
  readonly rowCount: number | null;
  readonly truncated: boolean | null;
  readonly resultHash: string | null;
  /** Null for a first run and for a failed one. */
  readonly changed: boolean | null;
  readonly why: RunExplanation | null;
  readonly error: string | null;
  readonly errorCode: string | null;
  readonly object: StoredObject | null;
}

const REPORT_COLUMNS = `id, name, sql, mode, params::VARCHAR AS params, key_columns::VARCHAR AS key_columns, as_of,
  snapshot_version, row_limit, created_by, created_at, updated_at`;

const ReportRow = z.object({
  id: z.string(),
  name: z.string(),
  sql: z.string(),
  mode: Mode,
  params: nullableJsonText(z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])), []),
  key_columns: nullableJsonText(z.array(z.string()).nullable(), null),
  as_of: z.coerce.date().nullable(),
  snapshot_version: z.coerce.number().nullable(),
  row_limit: z.coerce.number().nullable(),
  created_by: z.string().nullable(),
  created_at: z.coerce.date(),
  updated_at: z.coerce.date(),
});

function reportOf(row: unknown): SavedReport {
  const r = ReportRow.parse(row);
  return {
    id: r.id,
    name: r.name,
    sql: r.sql,
    mode: r.mode,
    params: r.params,
    key: r.key_columns,
    at: r.as_of,
    version: r.snapshot_version,
    limit: r.row_limit,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Whether a warehouse error is a UNIQUE or PRIMARY KEY violation. */
export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof AppError && (error.sqlstate === '23505' || /duplicate key|unique constraint/i.test(error.message))
  );
}

export async function insertReport(db: WarehouseSession, r: SavedReport): Promise<void> {
  await db.execute(
    `INSERT INTO saved_queries (id, name, sql, mode, params, key_columns, as_of, snapshot_version, row_limit,
       created_by, created_at, updated_at)
     VALUES ($1::VARCHAR, $2::VARCHAR, $3::VARCHAR, $4::VARCHAR, $5::VARCHAR::JSON, $6::VARCHAR::JSON, $7::TIMESTAMPTZ,
       $8::INTEGER, $9::INTEGER, $10::VARCHAR, $11::TIMESTAMPTZ, $11::TIMESTAMPTZ)`,
    [
      r.id,
      r.name,
      r.sql,
      r.mode,
      JSON.stringify(r.params),
      r.key === null ? null : JSON.stringify(r.key),
      r.at,
      r.version,
      r.limit,
      r.createdBy,
      r.createdAt,
    ],
  );
}

export async function getReport(db: WarehouseSession, id: string): Promise<SavedReport | null> {
  const [row] = await db.query(`SELECT ${REPORT_COLUMNS} FROM saved_queries WHERE id = $1::VARCHAR`, [id]);
  return row ? reportOf(row) : null;
}

export async function reportIdByName(db: WarehouseSession, name: string): Promise<string | null> {
  const [row] = await db.query<{ id: string }>('SELECT id FROM saved_queries WHERE name = $1::VARCHAR', [name]);
  return row?.id ?? null;
}

/** A page of reports by name, and how many there are. */
export async function listReports(
  db: WarehouseSession,
  page: PageRequest,
): Promise<{ reports: SavedReport[]; total: number }> {
  const rows = await db.query(
    `SELECT ${REPORT_COLUMNS} FROM saved_queries ORDER BY name, id LIMIT $1::INTEGER OFFSET $2::INTEGER`,
    [page.limit, page.offset],
  );
  const [count] = await db.query('SELECT count(*) AS n FROM saved_queries');
  return { reports: rows.map(reportOf), total: count ? CountRow.parse(count).n : 0 };
}

/** Every report, by name (the daily refresh). */
export async function allReports(db: WarehouseSession): Promise<SavedReport[]> {
  return (await db.query(`SELECT ${REPORT_COLUMNS} FROM saved_queries ORDER BY name, id`)).map(reportOf);
}

const RUN_COLUMNS = `id, saved_query_id, run_number, triggered_by, status, ran_at, duration_ms, execution_id, mode,
  schema_version, as_of, result_columns::VARCHAR AS result_columns, row_count, truncated, result_hash, changed,
  why::VARCHAR AS why, error, error_code, object_key, object_etag, object_bytes`;

const RunRow = z.object({
  id: z.string(),
  saved_query_id: z.string(),
  run_number: z.coerce.number(),
  triggered_by: RunTrigger,
  status: RunStatus,
  ran_at: z.coerce.date(),
  duration_ms: z.coerce.number().nullable(),
  execution_id: z.string().nullable(),
  mode: Mode,
  schema_version: z.coerce.number().nullable(),
  as_of: z.coerce.date().nullable(),
  result_columns: nullableJsonText(z.array(ResultColumnSchema).nullable(), null),
  row_count: z.coerce.number().nullable(),
  truncated: z.boolean().nullable(),
  result_hash: z.string().nullable(),
  changed: z.boolean().nullable(),
  why: nullableJsonText(RunExplanation.nullable(), null),
  error: z.string().nullable(),
  error_code: z.string().nullable(),
  object_key: z.string().nullable(),
  object_etag: z.string().nullable(),
  object_bytes: z.coerce.number().nullable(),
});

function runOf(row: unknown): ReportRun {
  const r = RunRow.parse(row);
  return {
    id: r.id,
    reportId: r.saved_query_id,
    run: r.run_number,
    trigger: r.triggered_by,
    status: r.status,
    ranAt: r.ran_at,
    durationMs: r.duration_ms,
    executionId: r.execution_id,
    mode: r.mode,
    schemaVersion: r.schema_version,
    at: r.as_of?.toISOString() ?? null,
    columns: r.result_columns,
    rowCount: r.row_count,
    truncated: r.truncated,
    resultHash: r.result_hash,
    changed: r.changed,
    why: r.why,
    error: r.error,
    errorCode: r.error_code,
    object: r.object_key === null ? null : { key: r.object_key, etag: r.object_etag ?? '', bytes: r.object_bytes ?? 0 },
  };
}

/** Records a run; a successful one also becomes the report's last result (saved_queries.last_*). */
export async function insertRun(db: WarehouseSession, run: ReportRun): Promise<void> {
  await db.execute(
    `INSERT INTO report_runs (id, saved_query_id, run_number, triggered_by, status, ran_at, duration_ms, execution_id,
       mode, schema_version, as_of, result_columns, row_count, truncated, result_hash, changed, why, error, error_code,
       object_key, object_etag, object_bytes)
     VALUES ($1::VARCHAR, $2::VARCHAR, $3::INTEGER, $4::VARCHAR, $5::VARCHAR, $6::TIMESTAMPTZ, $7::INTEGER, $8::VARCHAR,
       $9::VARCHAR, $10::INTEGER, $11::TIMESTAMPTZ, $12::VARCHAR::JSON, $13::BIGINT, $14::BOOLEAN, $15::VARCHAR,
       $16::BOOLEAN, $17::VARCHAR::JSON, $18::VARCHAR, $19::VARCHAR, $20::VARCHAR, $21::VARCHAR, $22::BIGINT)`,
    [
      run.id,
      run.reportId,
      run.run,
      run.trigger,
      run.status,
      run.ranAt,
      run.durationMs,
      run.executionId,
      run.mode,
      run.schemaVersion,
      run.at,
      run.columns === null ? null : JSON.stringify(run.columns),
      run.rowCount,
      run.truncated,
      run.resultHash,
      run.changed,
      run.why === null ? null : JSON.stringify(run.why),
      run.error,
      run.errorCode,
      run.object?.key ?? null,
      run.object?.etag ?? null,
      run.object?.bytes ?? null,
    ],
  );
  if (run.status !== 'ok') return;
  await db.execute(
    `UPDATE saved_queries SET last_run_at = $2::TIMESTAMPTZ, last_result_hash = $3::VARCHAR, last_row_count = $4::BIGINT,
       last_changed_at = CASE WHEN $5::BOOLEAN THEN $2::TIMESTAMPTZ ELSE last_changed_at END
     WHERE id = $1::VARCHAR`,
    [run.reportId, run.ranAt, run.resultHash, run.rowCount, run.changed === true],
  );
}

export async function getRun(db: WarehouseSession, reportId: string, run: number): Promise<ReportRun | null> {
  const [row] = await db.query(
    `SELECT ${RUN_COLUMNS} FROM report_runs WHERE saved_query_id = $1::VARCHAR AND run_number = $2::INTEGER`,
    [reportId, run],
  );
  return row ? runOf(row) : null;
}

/** The report's newest run (`status`: the newest with that status; `before`: numbered below it). */
export async function latestRun(
  db: WarehouseSession,
  reportId: string,
  status?: RunStatus,
  before?: number,
): Promise<ReportRun | null> {
  const [row] = await db.query(
    `SELECT ${RUN_COLUMNS} FROM report_runs
     WHERE saved_query_id = $1::VARCHAR AND ($2::VARCHAR IS NULL OR status = $2::VARCHAR)
       AND ($3::INTEGER IS NULL OR run_number < $3::INTEGER)
     ORDER BY run_number DESC LIMIT 1`,
    [reportId, status ?? null, before ?? null],
  );
  return row ? runOf(row) : null;
}

/** The newest run of each of the reports. */
export async function latestRuns(db: WarehouseSession, reportIds: readonly string[]): Promise<Map<string, ReportRun>> {
  if (reportIds.length === 0) return new Map();
  const rows = await db.query(
    `SELECT ${RUN_COLUMNS} FROM report_runs
     WHERE list_contains($1::VARCHAR::JSON::VARCHAR[], saved_query_id)
     QUALIFY row_number() OVER (PARTITION BY saved_query_id ORDER BY run_number DESC) = 1`,
    [JSON.stringify(reportIds)],
  );
  return new Map(rows.map(runOf).map((r) => [r.reportId, r]));
}

/** The number the report's next run takes. */
export async function nextRunNumber(db: WarehouseSession, reportId: string): Promise<number> {
  const [row] = await db.query(
    'SELECT coalesce(max(run_number), 0) + 1 AS n FROM report_runs WHERE saved_query_id = $1::VARCHAR',
    [reportId],
  );
  return row ? CountRow.parse(row).n : 1;
}

/** A page of the report's runs, newest first, and how many there are. */
export async function listRuns(
  db: WarehouseSession,
  reportId: string,
  page: PageRequest,
): Promise<{ runs: ReportRun[]; total: number }> {
  const rows = await db.query(
    `SELECT ${RUN_COLUMNS} FROM report_runs WHERE saved_query_id = $1::VARCHAR
     ORDER BY run_number DESC LIMIT $2::INTEGER OFFSET $3::INTEGER`,
    [reportId, page.limit, page.offset],
  );
  const [count] = await db.query('SELECT count(*) AS n FROM report_runs WHERE saved_query_id = $1::VARCHAR', [
    reportId,
  ]);
  return { runs: rows.map(runOf), total: count ? CountRow.parse(count).n : 0 };
}
