// query_executions: one row per query run through runQuery, refused and failed ones included.
import type { WarehouseSession } from '../warehouse/port.ts';
import type { QueryMode, QueryParam } from './contract.ts';

/** Why an execution failed: the safety check refused it, the warehouse cancelled it, or the warehouse failed it. */
export type ExecutionErrorCode = 'refused' | 'timeout' | 'failed' | 'unavailable';

export interface ExecutionRecord {
  readonly id: string;
  readonly mode: QueryMode;
  readonly sql: string;
  readonly params: readonly QueryParam[];
  readonly snapshotVersion: number | null;
  readonly asOf: Date | null;
  readonly savedQueryId: string | null;
  readonly rowCount: number | null;
  readonly resultHash: string | null;
  readonly error: { readonly code: ExecutionErrorCode; readonly message: string } | null;
  readonly durationMs: number;
  readonly executedBy: string;
  readonly executedAt: Date;
  readonly rowLimit: number | null;
  readonly truncated: boolean | null;
}

export async function recordExecution(db: WarehouseSession, r: ExecutionRecord): Promise<void> {
  await db.execute(
    `INSERT INTO query_executions (id, mode, sql, params, snapshot_version, as_of, saved_query_id, status, row_count,
       result_hash, error, duration_ms, executed_by, executed_at, error_code, row_limit, truncated)
     VALUES ($1::VARCHAR, $2::VARCHAR, $3::VARCHAR, $4::VARCHAR::JSON, $5::INTEGER, $6::TIMESTAMPTZ, $7::VARCHAR,
       $8::VARCHAR, $9::BIGINT, $10::VARCHAR, $11::VARCHAR, $12::INTEGER, $13::VARCHAR, $14::TIMESTAMPTZ,
       $15::VARCHAR, $16::INTEGER, $17::BOOLEAN)`,
    [
      r.id,
      r.mode,
      r.sql,
      JSON.stringify(r.params),
      r.snapshotVersion,
      r.asOf,
      r.savedQueryId,
      r.error === null ? 'ok' : 'error',
      r.rowCount,
      r.resultHash,
      r.error?.message ?? null,
      Math.round(r.durationMs),
      r.executedBy,
      r.executedAt,
      r.error?.code ?? null,
      r.rowLimit,
      r.truncated,
    ],
  );
}
