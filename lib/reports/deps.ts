// What saved reports need from the outside: the warehouse, the query engine (injected: lib/query/run.ts in
// the Worker, a test runner in tests), the bucket their results live in, a clock, ids and a logger.
import type { Logger } from '../log.ts';
import type { QueryRequest, QueryResult } from '../query/contract.ts';
import type { Warehouse } from '../warehouse/port.ts';

/** Runs one query through the query engine: checked, limited, timed and logged there. */
export type RunQuery = (request: QueryRequest) => Promise<QueryResult>;

/** The stored results' bucket (R2 vessel-reports in the Worker). */
export interface ResultStore {
  /** Stores the object; answers its eTag and size. */
  put(key: string, bytes: Uint8Array): Promise<{ readonly etag: string; readonly size: number }>;
  /** The object's bytes, or null when there is none. */
  get(key: string): Promise<Uint8Array | null>;
  /** Removes the objects (absent ones are no error). */
  delete(keys: readonly string[]): Promise<void>;
}

export interface ReportDeps {
  readonly warehouse: Warehouse;
  readonly run: RunQuery;
  readonly store: ResultStore;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly log: Logger;
}

/** The bucket stored results go to, as wrangler.toml binds it (REPORTS_BUCKET). */
export const REPORTS_BUCKET = 'vessel-reports';

/** Where a run's result is stored: one object per run, never overwritten (the run id makes it unique). */
export function resultKey(reportId: string, run: number, runId: string): string {
  return `reports/${reportId}/${String(run).padStart(6, '0')}-${runId}.parquet`;
}
