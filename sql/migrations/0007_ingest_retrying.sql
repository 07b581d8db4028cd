-- A load that fails for a passing reason (the warehouse cannot read the object yet, another load of it
-- committed at the same time, ...) is retried for up to ten deliveries, about 50 minutes. Meanwhile it is
-- recorded as 'retrying' with its last error and attempt, so GET /api/ingestions shows it; its final outcome
-- replaces that row. DuckDB cannot change a CHECK constraint in place, so the table is rebuilt as it was,
-- with the one more status.
CREATE TABLE ingest_log_next (
    id              VARCHAR PRIMARY KEY,
    bucket          VARCHAR NOT NULL,
    key             VARCHAR NOT NULL,
    etag            VARCHAR NOT NULL,
    action          VARCHAR NOT NULL,
    target          VARCHAR,
    strategy        VARCHAR CHECK (strategy IN ('push', 'remote')),
    batch_id        VARCHAR,
    schema_version  VARCHAR,
    rows            BIGINT,
    bytes           BIGINT,
    status          VARCHAR NOT NULL CHECK (status IN ('loaded', 'failed', 'deleted', 'ignored', 'retrying')),
    error           VARCHAR,
    error_code      VARCHAR,
    attempts        INTEGER NOT NULL DEFAULT 1,
    event_time      TIMESTAMPTZ,
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    duration_ms     INTEGER
);

INSERT INTO ingest_log_next
SELECT id, bucket, key, etag, action, target, strategy, batch_id, schema_version, rows, bytes, status, error,
       error_code, attempts, event_time, started_at, finished_at, duration_ms
FROM ingest_log;

DROP INDEX ingest_log_event;
DROP TABLE ingest_log;
ALTER TABLE ingest_log_next RENAME TO ingest_log;
CREATE UNIQUE INDEX ingest_log_event ON ingest_log (bucket, key, etag, event_time);
