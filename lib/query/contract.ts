// The query engine's contract: what `runQuery` (lib/query/run.ts) takes and answers. POST /api/query, saved
// reports (lib/reports/) and POST /api/ask all go through it, so every execution is checked, limited, timed
// and logged the same way (docs/query.md).

/** `live`: current rows and views; `time_travel`: the data and views as they stood at `at`; `snapshot`: pinned to a schema version. */
export type QueryMode = 'live' | 'snapshot' | 'time_travel';

export const QUERY_MODES: readonly QueryMode[] = ['live', 'snapshot', 'time_travel'];

/** Row limit when none is asked for, and the most that may be asked for. */
export const DEFAULT_ROW_LIMIT = 1_000;
export const MAX_ROW_LIMIT = 100_000;

/** Statement timeouts by mode, enforced by the warehouse (a cancel request), not only by a JS timer. */
export const QUERY_TIMEOUT_MS: Readonly<Record<QueryMode, number>> = {
  live: 10_000,
  snapshot: 60_000,
  time_travel: 60_000,
};

/** Positional parameters of the user's SQL (`$1`, `$2`, ...). */
export type QueryParam = string | number | boolean | null;

export interface QueryRequest {
  readonly sql: string;
  readonly mode: QueryMode;
  /** time_travel: the instant the data and views are seen as of (required there, refused elsewhere). */
  readonly at?: Date;
  /** snapshot: the schema version the query is pinned to (data as of its publication, its views). */
  readonly version?: number;
  /** Rows returned at most (default DEFAULT_ROW_LIMIT, at most MAX_ROW_LIMIT). */
  readonly limit?: number;
  readonly params?: readonly QueryParam[];
  /** Who ran it (the token's subject, `report:<id>` for a report refresh, `anonymous`). */
  readonly executedBy: string;
  /** The saved report a run belongs to, logged with the execution. */
  readonly savedQueryId?: string;
}

export interface ResultColumn {
  readonly name: string;
  /** DuckDB's own type name, as `DESCRIBE` gives it (`BIGINT`, `DECIMAL(38,6)`, `TIMESTAMP WITH TIME ZONE`...). */
  readonly type: string;
}

/**
 * One value of a result row, as JSON can carry it without loss: integers beyond 2^53, HUGEINT and DECIMAL as
 * decimal strings, timestamps as ISO strings, blobs as base64, nested values as JSON.
 */
export type ResultValue = string | number | boolean | null | ResultValue[] | { [key: string]: ResultValue };

export interface QueryResult {
  readonly executionId: string;
  readonly mode: QueryMode;
  /** The schema version the query saw (null before the first snapshot). */
  readonly schemaVersion: number | null;
  readonly at: string | null;
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly ResultValue[])[];
  readonly rowCount: number;
  /** Whether the query had more rows than the limit. */
  readonly truncated: boolean;
  /** SHA-256 (hex) over the canonical encoding of the columns and rows (lib/query/canonical.ts). */
  readonly resultHash: string;
  readonly durationMs: number;
}
