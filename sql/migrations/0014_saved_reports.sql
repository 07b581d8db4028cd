-- Saved reports (lib/reports/, docs/reports.md): what saved_queries lacked to re-run a report exactly as it was
-- saved, and one row per run. Each successful run's result is a Parquet object in R2 (vessel-reports), so a
-- stored run is read back as it was seen and two runs are compared without running anything again.
-- NOTE: numbered 0013 because the query engine's views migration may take 0012; renumbered at merge if not.

-- Columns that identify a row of the result, for diffs by key (JSON list of names; NULL: compare whole rows).
ALTER TABLE saved_queries ADD COLUMN key_columns JSON;
-- time_travel reports: the instant the data is seen as of.
ALTER TABLE saved_queries ADD COLUMN as_of TIMESTAMPTZ;
-- snapshot reports: the schema version the query is pinned to.
ALTER TABLE saved_queries ADD COLUMN snapshot_version INTEGER;
-- Rows a run keeps at most (NULL: the query engine's default).
ALTER TABLE saved_queries ADD COLUMN row_limit INTEGER;

CREATE TABLE report_runs (
    id              VARCHAR PRIMARY KEY,
    saved_query_id  VARCHAR NOT NULL,
    -- 1, 2, 3, ... per report; two refreshes racing for one number: the second is refused.
    run_number      INTEGER NOT NULL CHECK (run_number >= 1),
    triggered_by    VARCHAR NOT NULL CHECK (triggered_by IN ('create', 'api', 'cron')),
    status          VARCHAR NOT NULL CHECK (status IN ('ok', 'error')),
    ran_at          TIMESTAMPTZ NOT NULL,
    duration_ms     INTEGER,
    -- The query engine's execution (query_executions.id).
    execution_id    VARCHAR,
    mode            VARCHAR NOT NULL CHECK (mode IN ('live', 'snapshot', 'time_travel')),
    schema_version  INTEGER,
    as_of           TIMESTAMPTZ,
    -- [{name, type}] of the result, DuckDB's type names.
    result_columns  JSON,
    row_count       BIGINT,
    truncated       BOOLEAN,
    result_hash     VARCHAR,
    -- Whether the result differs from the previous successful run's (NULL for the first one and for errors).
    changed         BOOLEAN,
    -- What moved since the previous successful run: rows, columns, loads per table, schema versions.
    why             JSON,
    error           VARCHAR,
    error_code      VARCHAR,
    -- The stored result: R2 key in vessel-reports, its eTag and size.
    object_key      VARCHAR,
    object_etag     VARCHAR,
    object_bytes    BIGINT,
    UNIQUE (saved_query_id, run_number)
);
