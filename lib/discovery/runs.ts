// Discovery runs as rows (requested, running, what they found) and the lock that keeps them apart.
import { z } from 'zod';
import { AppError } from '../errors.ts';
import type { Page, PageRequest } from '../http/page.ts';
import type { WarehouseSession } from '../warehouse/port.ts';
import { CountRow, nullableJsonText } from '../warehouse/rows.ts';

export const RunTrigger = z.enum(['cron', 'queue', 'api', 'manual']);
export type RunTrigger = z.infer<typeof RunTrigger>;
export const RunStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'skipped', 'coalesced']);
export type RunStatus = z.infer<typeof RunStatus>;

export interface RunRecord {
  readonly id: string;
  readonly trigger: RunTrigger;
  readonly fullScan: boolean;
  readonly status: RunStatus;
  readonly requestedAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly coalescedInto: string | null;
  readonly snapshotVersion: number | null;
  readonly report: unknown;
  readonly error: string | null;
}

/** A run asked for through the API: it waits on the discovery queue. */
export async function requestRun(
  db: WarehouseSession,
  run: { readonly id: string; readonly trigger: RunTrigger; readonly full: boolean; readonly now: Date },
): Promise<void> {
  await db.execute(
    `INSERT INTO discovery_runs (id, trigger, full_scan, status, requested_at)
     VALUES ($1::VARCHAR, $2::VARCHAR, $3::BOOLEAN, 'queued', $4::TIMESTAMPTZ)`,
    [run.id, run.trigger, run.full, run.now],
  );
}

/** Marks a run as started (creating its row when it was not requested beforehand). */
export async function startRun(
  db: WarehouseSession,
  run: { readonly id: string; readonly trigger: RunTrigger; readonly full: boolean; readonly now: Date },
): Promise<void> {
  await db.execute(
    `INSERT INTO discovery_runs (id, trigger, full_scan, status, requested_at, started_at)
     VALUES ($1::VARCHAR, $2::VARCHAR, $3::BOOLEAN, 'running', $4::TIMESTAMPTZ, $4::TIMESTAMPTZ)
     ON CONFLICT (id) DO UPDATE SET status = 'running', started_at = excluded.started_at,
       full_scan = discovery_runs.full_scan OR excluded.full_scan`,
    [run.id, run.trigger, run.full, run.now],
  );
}

export async function finishRun(
  db: WarehouseSession,
  run: {
    readonly id: string;
    readonly status: 'succeeded' | 'failed' | 'skipped';
    readonly now: Date;
    readonly report?: unknown;
    readonly error?: string | null;
    readonly snapshotVersion?: number | null;
  },
): Promise<void> {
  await db.execute(
    `UPDATE discovery_runs SET status = $2::VARCHAR, finished_at = $3::TIMESTAMPTZ, report = $4::VARCHAR::JSON,
       error = $5::VARCHAR, snapshot_version = $6::INTEGER
     WHERE id = $1::VARCHAR`,
    [
      run.id,
      run.status,
      run.now,
      run.report === undefined ? null : JSON.stringify(run.report),
      run.error ?? null,
      run.snapshotVersion ?? null,
    ],
  );
}

/** Records a run that could not start; a cron run gets a row too, so every trigger leaves a trace. */
export async function skipRun(
  db: WarehouseSession,
  run: {
    readonly id: string;
    readonly trigger: RunTrigger;
    readonly full: boolean;
    readonly now: Date;
    readonly reason: string;
  },
): Promise<void> {
  await db.execute(
    `INSERT INTO discovery_runs (id, trigger, full_scan, status, requested_at, finished_at, error)
     VALUES ($1::VARCHAR, $2::VARCHAR, $3::BOOLEAN, 'skipped', $4::TIMESTAMPTZ, $4::TIMESTAMPTZ, $5::VARCHAR)
     ON CONFLICT (id) DO UPDATE SET status = 'skipped', finished_at = excluded.finished_at, error = excluded.error`,
    [run.id, run.trigger, run.full, run.now, run.reason],
  );
}

/** Runs requested together (one queue batch) that `into` did the work of. */
export async function coalesceRuns(
  db: WarehouseSession,
  ids: readonly string[],
  into: string,
  now: Date,
): Promise<void> {
  for (const id of ids) {
    if (id === into) continue;
    await db.execute(
      `UPDATE discovery_runs SET status = 'coalesced', coalesced_into = $2::VARCHAR, finished_at = $3::TIMESTAMPTZ
       WHERE id = $1::VARCHAR AND status = 'queued'`,
      [id, into, now],
    );
  }
}

export async function updateRunReport(db: WarehouseSession, id: string, report: unknown): Promise<void> {
  await db.execute('UPDATE discovery_runs SET report = $2::VARCHAR::JSON WHERE id = $1::VARCHAR', [
    id,
    JSON.stringify(report),
  ]);
}

const RUN_COLUMNS = `id, trigger, full_scan, status, requested_at, started_at, finished_at, coalesced_into, snapshot_version,
  report::VARCHAR AS report, error`;

/** A discovery_runs row as RUN_COLUMNS selects it. */
export const DiscoveryRunRow = z.object({
  id: z.string(),
  trigger: RunTrigger,
  full_scan: z.boolean(),
  status: RunStatus,
  requested_at: z.coerce.date(),
  started_at: z.coerce.date().nullable(),
  finished_at: z.coerce.date().nullable(),
  coalesced_into: z.string().nullable(),
  snapshot_version: z.coerce.number().nullable(),
  report: nullableJsonText(z.unknown(), null),
  error: z.string().nullable(),
});
export type DiscoveryRunRow = z.infer<typeof DiscoveryRunRow>;

function runRecord(row: unknown): RunRecord {
  const r = DiscoveryRunRow.parse(row);
  return {
    id: r.id,
    trigger: r.trigger,
    fullScan: r.full_scan,
    status: r.status,
    requestedAt: r.requested_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    coalescedInto: r.coalesced_into,
    snapshotVersion: r.snapshot_version,
    report: r.report,
    error: r.error,
  };
}

export async function getRun(db: WarehouseSession, id: string): Promise<RunRecord | null> {
  const [row] = await db.query(`SELECT ${RUN_COLUMNS} FROM discovery_runs WHERE id = $1::VARCHAR`, [id]);
  return row ? runRecord(row) : null;
}

/** One page of runs, newest first, with the count of all runs. */
export async function listRuns(db: WarehouseSession, page: PageRequest): Promise<Page<'runs', RunRecord>> {
  const [count] = await db.query('SELECT count(*)::INTEGER AS n FROM discovery_runs');
  const rows = await db.query(
    `SELECT ${RUN_COLUMNS} FROM discovery_runs ORDER BY requested_at DESC, id LIMIT $1::INTEGER OFFSET $2::INTEGER`,
    [page.limit, page.offset],
  );
  return { runs: rows.map(runRecord), ...page, total: count ? CountRow.parse(count).n : 0 };
}

// ---- the lock -----------------------------------------------------------------------------------

export const LOCK_NAME = 'discovery';

/** Who holds the discovery_lock row, and until when. */
export const LockHolderRow = z.object({ holder: z.string(), expires_at: z.coerce.date() });
export type LockHolderRow = z.infer<typeof LockHolderRow>;

/**
 * Takes the lock for `holder` unless someone else holds it unexpired. Two runs racing for it write the
 * same row; the warehouse lets one of them commit. NOTE: plain UPDATE and INSERT ... DO NOTHING only:
 * DuckDB detects no write-write conflict for an upsert with a WHERE clause or a DELETE racing an UPDATE.
 * `newId` makes the row's fence value (the deps' id source, so runs stay deterministic in tests).
 */
export async function acquireLock(
  db: WarehouseSession,
  holder: string,
  now: Date,
  seconds: number,
  newId: () => string,
): Promise<{ acquired: true } | { acquired: false; holder: string | null; expiresAt: Date | null }> {
  const expires = new Date(now.getTime() + seconds * 1000);
  try {
    const taken = await db.execute(
      `UPDATE discovery_lock SET holder = $2::VARCHAR, acquired_at = $3::TIMESTAMPTZ, expires_at = $4::TIMESTAMPTZ,
         fence = $5::VARCHAR
       WHERE name = $1::VARCHAR AND (expires_at < $3::TIMESTAMPTZ OR holder = $2::VARCHAR)`,
      [LOCK_NAME, holder, now, expires, newId()],
    );
    if (taken === 1) return { acquired: true };
    const inserted = await db.execute(
      `INSERT INTO discovery_lock (name, holder, acquired_at, expires_at, fence)
       VALUES ($1::VARCHAR, $2::VARCHAR, $3::TIMESTAMPTZ, $4::TIMESTAMPTZ, $5::VARCHAR) ON CONFLICT (name) DO NOTHING`,
      [LOCK_NAME, holder, now, expires, newId()],
    );
    if (inserted === 1) return { acquired: true };
  } catch (error) {
    // Another run wrote the row at the same moment (write-write conflict or duplicate key): it won.
    if (!(error instanceof AppError) || (error.sqlstate !== '40001' && error.sqlstate !== '23505')) throw error;
  }
  const [row] = await db.query('SELECT holder, expires_at FROM discovery_lock WHERE name = $1::VARCHAR', [LOCK_NAME]);
  const lock = row ? LockHolderRow.parse(row) : null;
  return { acquired: false, holder: lock?.holder ?? null, expiresAt: lock?.expires_at ?? null };
}

/** The lock was taken over (it expired while this run worked): the run must not publish. */
export class LockLostError extends Error {
  override readonly name = 'LockLostError';
}

/**
 * Inside the publishing transaction: proves `holder` still holds the lock and extends it. Writing the
 * lock row makes a concurrent take-over and this transaction conflict, so at most one of them commits.
 */
export async function fenceLock(
  tx: WarehouseSession,
  holder: string,
  now: Date,
  seconds: number,
  newId: () => string,
): Promise<void> {
  const updated = await tx.execute(
    `UPDATE discovery_lock SET expires_at = $3::TIMESTAMPTZ, fence = $5::VARCHAR
     WHERE name = $1::VARCHAR AND holder = $2::VARCHAR AND expires_at >= $4::TIMESTAMPTZ`,
    [LOCK_NAME, holder, new Date(now.getTime() + seconds * 1000), now, newId()],
  );
  if (updated !== 1) throw new LockLostError(`run ${holder} no longer holds the discovery lock (it expired)`);
}

export async function releaseLock(db: WarehouseSession, holder: string): Promise<void> {
  await db.execute('DELETE FROM discovery_lock WHERE name = $1::VARCHAR AND holder = $2::VARCHAR', [LOCK_NAME, holder]);
}
